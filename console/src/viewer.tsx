import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiJson, imageUrl, type Edit, type Reel } from './api.js';
import { regionsOf } from '../../packages/shared/src/review/mask-edits.js';
import { Alert } from './alert.js';
import { drawPending, ReviewPanel, type Tool } from './review.js';

type Zoom = 'fit' | 1 | 2 | 4;

const revoke = (...urls: string[]) => urls.forEach((u) => URL.revokeObjectURL(u));

/** Overlay colours: repaired (and, with known damage, truly damaged), false alarm, missed; as the benchmark's images. */
const HIT = [255, 214, 0];
const FALSE_ALARM = [40, 200, 90];
const MISSED = [255, 60, 40];

async function maskBytes(url: string): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const bitmap = await createImageBitmap(await (await api(url)).blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  return { width: bitmap.width, height: bitmap.height, data: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data };
}

/**
 * The mask as a coloured overlay, half transparent. With the reel's known damage (benchmark material): yellow
 * where a repair meets true damage, green for a false alarm, red for damage it missed; without: repairs in yellow.
 */
async function maskOverlay(url: string, truthUrl?: string): Promise<ImageData> {
  const [mask, truth] = await Promise.all([maskBytes(url), truthUrl ? maskBytes(truthUrl) : null]);
  const img = new ImageData(mask.width, mask.height);
  const px = img.data;
  for (let i = 0; i < px.length; i += 4) {
    const repaired = mask.data[i]! > 127;
    const damaged = truth ? truth.data[i]! > 127 : repaired;
    const colour = repaired ? (damaged ? HIT : FALSE_ALARM) : damaged ? MISSED : null;
    if (!colour) continue;
    px.set(colour, i);
    px[i + 3] = 140;
  }
  return img;
}

interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
}

/** The repaired regions of a frame (8-connected pieces of its mask), largest first: the service's own rule (review/mask-edits.ts). */
async function repairsOf(reelId: string, frame: number, rev: number): Promise<Region[]> {
  const { width, height, data } = await maskBytes(`/v1/reels/${reelId}/frames/${frame}?variant=mask&rev=${rev}`);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i * 4]! > 127 ? 255 : 0;
  return regionsOf(mask, width, height).map((r) => ({ ...r.box, area: r.pixels.length }));
}

/** The region a click at (x, y) means: the one under it, or one within the service's reach of 6 px (review/mask-edits.ts). */
function regionNear(regions: Region[], x: number, y: number): Region | null {
  const reach = 6;
  return regions.find((r) => x >= r.x - reach && x < r.x + r.w + reach && y >= r.y - reach && y < r.y + r.h + reach) ?? null;
}

/**
 * One reel, frame by frame: the scan and the restoration under a wipe, the mask over them, stepping with
 * the keyboard and zoom to 1:1 and beyond (pixels repeated, so grain is judged as it is). The review panel
 * beside it turns clicks and brush strokes into edits, and Apply makes the output again with them.
 */
export function Viewer({ reelId }: { reelId: string }) {
  const [reel, setReel] = useState<Reel | null>(null);
  const [frame, setFrame] = useState(0);
  const [wipe, setWipe] = useState(50);
  const [before, setBefore] = useState(false);
  const [mask, setMask] = useState(false);
  const [zoom, setZoom] = useState<Zoom>('fit');
  const [help, setHelp] = useState(false);
  const [urls, setUrls] = useState<{ source: string; restored: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** A failure that leaves the viewer usable (an image that would not load), shown above the picture. */
  const [notice, setNotice] = useState<string | null>(null);
  const [tool, setTool] = useState<Tool>('look');
  const [radius, setRadius] = useState(6);
  const [pending, setPending] = useState<Edit[]>([]);
  const rejectBoxes = useRef(new WeakMap<Edit, Region>());
  const stroke = useRef<[number, number][] | null>(null);
  const editsCanvas = useRef<HTMLCanvasElement>(null);
  const frameBox = useRef<HTMLDivElement>(null);
  const [difference, setDifference] = useState(false);
  const [differenceUrl, setDifferenceUrl] = useState<string | null>(null);
  const [repair, setRepair] = useState<{ frame: number; regions: Region[]; index: number } | null>(null);
  /** J / K / L as in an editing suite: play backwards, stop, play forwards (one frame each time the last one is shown). */
  const [playing, setPlaying] = useState<-1 | 0 | 1>(0);
  const canvas = useRef<HTMLCanvasElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const frames = reel?.media?.frameCount ?? 0;
  // Every image URL names the revision, so after a review no cache serves the frame as it was.
  const rev = reel?.revision ?? 0;
  const noteError = (e: Error) => setNotice(e.message);
  const [stageSize, setStageSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = stage.current;
    if (!el) return;
    const seen = new ResizeObserver(() => setStageSize({ w: el.clientWidth, h: el.clientHeight }));
    seen.observe(el);
    return () => seen.disconnect();
  }, [urls !== null]);

  useEffect(() => {
    apiJson<Reel>(`/v1/reels/${reelId}`).then(setReel, (e: Error) => setError(e.message));
  }, [reelId]);

  useEffect(() => {
    let stale = false;
    if (!reel) return;
    const base = `/v1/reels/${reelId}/frames/${frame}`;
    Promise.all([imageUrl(`${base}?variant=source`), imageUrl(`${base}?variant=restored&rev=${rev}`)]).then(
      ([source, restored]) => {
        // Object URLs hold their image until revoked: each frame's replace the last's.
        if (stale) return revoke(source, restored);
        setUrls((old) => {
          if (old) revoke(old.source, old.restored);
          return { source, restored };
        });
        setNotice(null);
      },
      noteError,
    );
    return () => {
      stale = true;
    };
  }, [reelId, frame, rev, reel === null]);

  useEffect(() => {
    if (playing === 0 || !urls) return;
    const next = frame + playing;
    if (next < 0 || next >= frames) {
      setPlaying(0);
      return;
    }
    const t = setTimeout(() => setFrame(next), 1000 / 12);
    return () => clearTimeout(t);
  }, [playing, urls]);

  useEffect(() => {
    const replace = (next: string | null) =>
      setDifferenceUrl((old) => {
        if (old) revoke(old);
        return next;
      });
    replace(null);
    if (difference) imageUrl(`/v1/reels/${reelId}/frames/${frame}?variant=difference&rev=${rev}`).then(replace, noteError);
  }, [reelId, frame, difference, rev]);

  // "Next repair": the next region of this frame, largest first, then the first of the next frame that has any.
  const nextRepair = async () => {
    let at = repair && repair.frame === frame ? repair : { frame, regions: await repairsOf(reelId, frame, rev), index: -1 };
    if (at.index + 1 < at.regions.length) {
      setRepair({ ...at, index: at.index + 1 });
      return;
    }
    for (let f = frame + 1; f < frames; f++) {
      const regions = await repairsOf(reelId, f, rev);
      if (regions.length) {
        setFrame(f);
        setRepair({ frame: f, regions, index: 0 });
        return;
      }
    }
  };

  // Show the repair at 2:1 at least, centred.
  useEffect(() => {
    const region = repair?.regions[repair.index];
    if (!region || repair.frame !== frame) return;
    const z = zoom === 'fit' || zoom < 2 ? 2 : zoom;
    if (z !== zoom) setZoom(z);
    requestAnimationFrame(() => {
      const el = stage.current;
      if (!el) return;
      el.scrollLeft = (region.x + region.w / 2) * z - el.clientWidth / 2;
      el.scrollTop = (region.y + region.h / 2) * z - el.clientHeight / 2;
    });
  }, [repair, frame]);

  /** What the mask canvas shows once drawn (frame, revision, with known damage or not): the overlay draws asynchronously. */
  const [maskDrawn, setMaskDrawn] = useState<string | null>(null);
  useEffect(() => {
    const base = `/v1/reels/${reelId}/frames/${frame}`;
    if (!mask || !canvas.current) return;
    let stale = false;
    const what = `${frame}/${rev}/${reel?.truth ? 'truth' : 'mask'}`;
    // A draw that a newer one overtook leaves the canvas alone.
    maskOverlay(`${base}?variant=mask&rev=${rev}`, reel?.truth ? `${base}?variant=truth` : undefined).then((img) => {
      const target = canvas.current;
      if (stale || !target) return;
      target.width = img.width;
      target.height = img.height;
      target.getContext('2d')!.putImageData(img, 0, 0);
      setMaskDrawn(what);
    }, noteError);
    return () => {
      stale = true;
    };
  }, [reelId, frame, mask, rev, reel?.truth]);

  const redrawEdits = () => {
    if (!editsCanvas.current || !reel?.media) return;
    const inStroke: Edit[] = stroke.current ? [{ type: 'add', frame, points: stroke.current, radius }] : [];
    drawPending(editsCanvas.current, reel.media.width, reel.media.height, [...pending, ...inStroke], frame, (e) => rejectBoxes.current.get(e) ?? null);
  };
  useEffect(redrawEdits, [pending, frame, reel, urls]);

  /** Where a pointer event falls on the frame, in the frame's own pixels. */
  const framePoint = (e: MouseEvent): [number, number] | null => {
    const box = frameBox.current?.getBoundingClientRect();
    if (!box || !reel?.media) return null;
    const x = Math.floor(((e.clientX - box.left) / box.width) * reel.media.width);
    const y = Math.floor(((e.clientY - box.top) / box.height) * reel.media.height);
    return x >= 0 && y >= 0 && x < reel.media.width && y < reel.media.height ? [x, y] : null;
  };

  const rejectAt = async (x: number, y: number) => {
    const region = regionNear(await repairsOf(reelId, frame, rev), x, y);
    if (!region) return setNotice(`no repair at ${x},${y} on this frame`);
    const edit: Edit = { type: 'reject', frame, x, y };
    rejectBoxes.current.set(edit, region);
    setNotice(null);
    setPending((p) => [...p, edit]);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).tagName === 'INPUT' && (e.target as HTMLInputElement).type !== 'range') return;
      const step = (d: number) => setFrame((f) => Math.max(0, Math.min(frames - 1, f + d)));
      const keys: Record<string, () => void> = {
        ArrowRight: () => step(1),
        ArrowLeft: () => step(-1),
        l: () => setPlaying(1),
        k: () => setPlaying(0),
        j: () => setPlaying(-1),
        ' ': () => setBefore((b) => !b),
        m: () => setMask((m) => !m),
        '0': () => setZoom('fit'),
        '1': () => setZoom(1),
        '2': () => setZoom(2),
        '4': () => setZoom(4),
        '?': () => setHelp((h) => !h),
        d: () => setDifference((d) => !d),
        n: () => void nextRepair().catch(noteError),
        v: () => setTool('look'),
        r: () => setTool('reject'),
        b: () => setTool('brush'),
        '[': () => setRadius((r) => Math.max(1, r - 1)),
        ']': () => setRadius((r) => Math.min(64, r + 1)),
        z: () => setPending((p) => p.slice(0, -1)),
      };
      const act = keys[e.key];
      if (act) {
        e.preventDefault();
        act();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [frames, frame, repair, zoom, rev]);

  if (error) return <Alert text={error} />;
  if (!reel || !urls) return <p>loading…</p>;
  const { width, height } = reel.media ?? { width: 0, height: 0 };
  // Fit: the whole frame in the stage, as large as it goes; otherwise frame pixels times the zoom.
  const scale = zoom === 'fit' ? Math.min(stageSize.w / Math.max(1, width), stageSize.h / Math.max(1, height)) || 1 : zoom;
  const size = { width: `${Math.floor(width * scale)}px`, height: `${Math.floor(height * scale)}px` };
  return (
    <main class="viewer">
      <div class="toolbar">
        <span data-testid="frame-counter">
          frame {frame + 1} / {frames}
          {playing ? (playing > 0 ? ' ▶' : ' ◀') : ''}
        </span>
        <label>
          wipe <input type="range" min={0} max={100} value={wipe} data-testid="wipe" onInput={(e) => setWipe(Number((e.target as HTMLInputElement).value))} />
        </label>
        <button class={before ? 'on' : ''} onClick={() => setBefore((b) => !b)} title="space">
          scan only
        </button>
        <button class={mask ? 'on' : ''} onClick={() => setMask((m) => !m)} data-testid="mask-toggle" title="m">
          mask
        </button>
        {mask && reel.truth ? (
          <span class="legend" data-testid="legend">
            <i style={{ background: `rgb(${HIT})` }} /> found <i style={{ background: `rgb(${FALSE_ALARM})` }} /> false alarm <i style={{ background: `rgb(${MISSED})` }} /> missed
          </span>
        ) : null}
        {(['fit', 1, 2, 4] as Zoom[]).map((z) => (
          <button class={zoom === z ? 'on' : ''} onClick={() => setZoom(z)} data-testid={`zoom-${z}`}>
            {z === 'fit' ? 'fit' : `${z}:1`}
          </button>
        ))}
        <button class={difference ? 'on' : ''} onClick={() => setDifference((d) => !d)} data-testid="difference-toggle" title="d">
          difference
        </button>
        <button onClick={() => void nextRepair().catch(noteError)} data-testid="next-repair" title="n">
          next repair
        </button>
        {repair && repair.frame === frame ? (
          <span data-testid="repair" data-area={repair.regions[repair.index]?.area}>
            repair {repair.index + 1} / {repair.regions.length}
          </span>
        ) : null}
        <button onClick={() => setHelp((h) => !h)}>?</button>
        {notice ? (
          <span class="error" data-testid="notice">
            {notice}
          </span>
        ) : null}
      </div>
      <div
        class={`stage zoom-${zoom} tool-${tool}`}
        data-testid="stage"
        ref={stage}
        onMouseDown={(e) => {
          const at = framePoint(e);
          if (tool === 'reject') {
            if (at) void rejectAt(...at).catch(noteError);
          } else if (tool === 'brush') {
            if (at) stroke.current = [at];
            redrawEdits();
          } else drag.current = { x: e.clientX, y: e.clientY };
        }}
        onMouseUp={() => {
          drag.current = null;
          const points = stroke.current;
          stroke.current = null;
          if (points) setPending((p) => [...p, { type: 'add', frame, points, radius }]);
        }}
        onMouseLeave={() => (drag.current = null)}
        onMouseMove={(e) => {
          if (stroke.current) {
            const at = framePoint(e);
            const last = stroke.current.at(-1)!;
            if (at && (at[0] !== last[0] || at[1] !== last[1])) {
              stroke.current.push(at);
              redrawEdits();
            }
            return;
          }
          // Dragging pans a magnified frame.
          if (!drag.current || !stage.current) return;
          stage.current.scrollLeft -= e.clientX - drag.current.x;
          stage.current.scrollTop -= e.clientY - drag.current.y;
          drag.current = { x: e.clientX, y: e.clientY };
        }}
      >
        <div class="frame" style={size} ref={frameBox}>
          <img src={urls.source} alt="scan" data-testid="source" />
          <img
            src={urls.restored}
            alt="restored"
            data-testid="restored"
            class="over"
            style={{ clipPath: before ? 'inset(0 0 0 100%)' : `inset(0 0 0 ${wipe}%)` }}
          />
          {difference && differenceUrl ? <img src={differenceUrl} alt="difference" data-testid="difference" class="over" /> : null}
          <canvas ref={canvas} class="over mask" data-testid="mask" data-drawn={maskDrawn ?? ''} style={{ display: mask ? 'block' : 'none' }} />
          <canvas ref={editsCanvas} class="over" data-testid="pending-overlay" />
          <div class="wipe-line" style={{ left: `${before ? 100 : wipe}%` }} />
        </div>
      </div>
      <ReviewPanel
        reel={reel}
        frame={frame}
        tool={tool}
        onTool={setTool}
        radius={radius}
        onRadius={setRadius}
        pending={pending}
        onPending={setPending}
        onFrame={setFrame}
        onRendered={setReel}
      />
      <Filmstrip reel={reel} frame={frame} onFrame={setFrame} />
      {help ? (
        <div class="help" onClick={() => setHelp(false)}>
          <table>
            {[
              ['← / →', 'previous / next frame'],
              ['J / K / L', 'play backwards / stop / play'],
              ['space', 'scan only / restored'],
              ['M', 'mask overlay'],
              ['0, 1, 2, 4', 'fit, 1:1, 2:1, 4:1'],
              ['D', 'difference (what the restoration changed, × 4)'],
              ['N', 'next repair, largest first'],
              ['drag', 'pan (look tool)'],
              ['V / R / B', 'look, reject a repair (click it), brush a repair the detector missed'],
              ['[ / ]', 'brush smaller / larger'],
              ['Z', 'drop the last edit not yet applied'],
              ['?', 'this help'],
            ].map(([k, v]) => (
              <tr>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </table>
        </div>
      ) : null}
    </main>
  );
}

/** The reel's shots, each with its first frame and its share of repainted pixels; a click goes there. */
function Filmstrip({ reel, frame, onFrame }: { reel: Reel; frame: number; onFrame: (n: number) => void }) {
  const [thumbs, setThumbs] = useState<Record<number, string>>({});
  useEffect(() => {
    const made: string[] = [];
    for (const shot of reel.shots.slice(0, 60)) {
      imageUrl(`/v1/reels/${reel.id}/frames/${shot.start}?variant=restored&scale=0.125&format=jpeg&rev=${reel.revision ?? 0}`).then(
        (url) => {
          made.push(url);
          setThumbs((t) => ({ ...t, [shot.index]: url }));
        },
        () => undefined,
      );
    }
    return () => revoke(...made);
  }, [reel.id, reel.revision]);
  const pixels = (reel.media?.width ?? 0) * (reel.media?.height ?? 0);
  return (
    <nav class="filmstrip">
      {reel.shots.map((s) => (
        <button class={frame >= s.start && frame < s.end ? 'on' : ''} onClick={() => onFrame(s.start)}>
          {thumbs[s.index] ? <img src={thumbs[s.index]} alt={`shot ${s.index + 1}`} /> : null}
          <span>
            shot {s.index + 1} · {s.end - s.start} frames · {pixels ? ((100 * s.damagedPixels) / (pixels * (s.end - s.start))).toFixed(2) : '0'}% damage
          </span>
        </button>
      ))}
    </nav>
  );
}
