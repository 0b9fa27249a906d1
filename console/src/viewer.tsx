import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiJson, imageUrl, type Reel } from './api.js';

type Zoom = 'fit' | 1 | 2 | 4;

/** The mask as a coloured overlay: repainted pixels yellow and half transparent, the rest clear. */
async function maskOverlay(url: string, canvas: HTMLCanvasElement): Promise<void> {
  const bitmap = await createImageBitmap(await (await api(url)).blob());
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const img = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  const px = img.data;
  for (let i = 0; i < px.length; i += 4) {
    const on = px[i]! > 127;
    px[i] = 255;
    px[i + 1] = 214;
    px[i + 2] = 0;
    px[i + 3] = on ? 140 : 0;
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * One reel, frame by frame: the scan and the restoration under a wipe, the mask over them, stepping with
 * the keyboard and zoom to 1:1 and beyond (pixels repeated, so grain is judged as it is).
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
  const canvas = useRef<HTMLCanvasElement>(null);
  const frames = reel?.media?.frameCount ?? 0;

  useEffect(() => {
    apiJson<Reel>(`/v1/reels/${reelId}`).then(setReel, (e: Error) => setError(e.message));
  }, [reelId]);

  useEffect(() => {
    let stale = false;
    const base = `/v1/reels/${reelId}/frames/${frame}`;
    Promise.all([imageUrl(`${base}?variant=source`), imageUrl(`${base}?variant=restored`)]).then(
      ([source, restored]) => {
        if (!stale) setUrls({ source, restored });
      },
      (e: Error) => setError(e.message),
    );
    return () => {
      stale = true;
    };
  }, [reelId, frame]);

  useEffect(() => {
    if (mask && canvas.current) maskOverlay(`/v1/reels/${reelId}/frames/${frame}?variant=mask`, canvas.current).catch((e: Error) => setError(e.message));
  }, [reelId, frame, mask]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).tagName === 'INPUT' && (e.target as HTMLInputElement).type !== 'range') return;
      const step = (d: number) => setFrame((f) => Math.max(0, Math.min(frames - 1, f + d)));
      const keys: Record<string, () => void> = {
        ArrowRight: () => step(1),
        ArrowLeft: () => step(-1),
        l: () => step(1),
        j: () => step(-1),
        ' ': () => setBefore((b) => !b),
        m: () => setMask((m) => !m),
        '0': () => setZoom('fit'),
        '1': () => setZoom(1),
        '2': () => setZoom(2),
        '4': () => setZoom(4),
        '?': () => setHelp((h) => !h),
      };
      const act = keys[e.key];
      if (act) {
        e.preventDefault();
        act();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [frames]);

  if (error) return <p class="error">{error}</p>;
  if (!reel || !urls) return <p>loading…</p>;
  const { width, height } = reel.media ?? { width: 0, height: 0 };
  const size = zoom === 'fit' ? { width: '100%' } : { width: `${width * zoom}px`, height: `${height * zoom}px` };
  return (
    <main class="viewer">
      <div class="toolbar">
        <span data-testid="frame-counter">
          frame {frame + 1} / {frames}
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
        {(['fit', 1, 2, 4] as Zoom[]).map((z) => (
          <button class={zoom === z ? 'on' : ''} onClick={() => setZoom(z)} data-testid={`zoom-${z}`}>
            {z === 'fit' ? 'fit' : `${z}:1`}
          </button>
        ))}
        <button onClick={() => setHelp((h) => !h)}>?</button>
      </div>
      <div class={`stage zoom-${zoom}`} data-testid="stage">
        <div class="frame" style={size}>
          <img src={urls.source} alt="scan" data-testid="source" />
          <img
            src={urls.restored}
            alt="restored"
            data-testid="restored"
            class="over"
            style={{ clipPath: before ? 'inset(0 0 0 100%)' : `inset(0 0 0 ${wipe}%)` }}
          />
          <canvas ref={canvas} class="over mask" data-testid="mask" style={{ display: mask ? 'block' : 'none' }} />
          <div class="wipe-line" style={{ left: `${before ? 100 : wipe}%` }} />
        </div>
      </div>
      <Filmstrip reel={reel} frame={frame} onFrame={setFrame} />
      {help ? (
        <div class="help" onClick={() => setHelp(false)}>
          <table>
            {[
              ['← / J', 'previous frame'],
              ['→ / L', 'next frame'],
              ['space', 'scan only / restored'],
              ['M', 'mask overlay'],
              ['0, 1, 2, 4', 'fit, 1:1, 2:1, 4:1'],
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
    for (const shot of reel.shots.slice(0, 60)) {
      imageUrl(`/v1/reels/${reel.id}/frames/${shot.start}?variant=restored&scale=0.125&format=jpeg`).then(
        (url) => setThumbs((t) => ({ ...t, [shot.index]: url })),
        () => undefined,
      );
    }
  }, [reel.id]);
  return (
    <nav class="filmstrip">
      {reel.shots.map((s) => (
        <button class={frame >= s.start && frame < s.end ? 'on' : ''} onClick={() => onFrame(s.start)}>
          {thumbs[s.index] ? <img src={thumbs[s.index]} alt={`shot ${s.index + 1}`} /> : null}
          <span>
            shot {s.index + 1} · {s.end - s.start} frames
          </span>
        </button>
      ))}
    </nav>
  );
}
