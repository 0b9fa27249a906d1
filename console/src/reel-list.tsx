import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiJson, followEvents, isFinished, type ProgressEvent, type Reel, type ShotProgress, type StageProgress, type StateEvent } from './api.js';
import { Alert } from './alert.js';
import { Upload } from './upload.js';

interface Live {
  state: string;
  percent: number;
  etaSeconds?: number | null;
  queuePosition?: number | null;
  error?: string | undefined;
  segment: StageProgress;
  inpaint: StageProgress;
  /** By shot index: the event stream sends only the shots that moved, so they are merged in. */
  shots: Record<number, ShotProgress>;
}

/** How often, and how long apart, a broken event stream is opened again before the row says it gave up. */
const RECONNECTS = 5;
const RECONNECT_MS = 2_000;

/** The tenant's reels, newest first, with live progress (per stage and per shot) for those still running. */
export function ReelList({ onOpen }: { onOpen: (id: string) => void }) {
  const [reels, setReels] = useState<Reel[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    apiJson<{ reels: Reel[] }>('/v1/reels?limit=50').then(
      (r) => {
        setReels(r.reels);
        setError(null);
      },
      (err: Error) => setError(`the reels could not be listed: ${err.message}`),
    );
  }, [refresh]);

  return (
    <main class="reels">
      <Upload onSubmitted={() => setRefresh((n) => n + 1)} />
      <Alert text={error} />
      <table>
        <thead>
          <tr>
            <th>reel</th>
            <th>state</th>
            <th>progress</th>
            <th>frames</th>
            <th>damage</th>
            <th>age</th>
          </tr>
        </thead>
        <tbody>
          {reels.map((r) => (
            <Row key={r.id} reel={r} onOpen={onOpen} onFinished={() => setRefresh((n) => n + 1)} />
          ))}
        </tbody>
      </table>
    </main>
  );
}

const stageOf = (frames: number, total: number): StageProgress => ({ frames, percent: total > 0 ? Math.min(100, Math.floor((100 * frames) / total)) : 0 });

/** What the status endpoint already says, before the first event arrives. */
function liveOf(reel: Reel): Live {
  const total = reel.progress.framesTotal;
  const shots: Record<number, ShotProgress> = {};
  for (const s of reel.shots) {
    shots[s.index] = { index: s.index, start: s.start, end: s.end, segment: stageOf(s.segmented, s.end - s.start), inpaint: stageOf(s.inpainted, s.end - s.start) };
  }
  return { state: reel.state, percent: reel.progress.percent, error: reel.error, segment: stageOf(reel.progress.segmented, total), inpaint: stageOf(reel.progress.inpainted, total), shots };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Follows a running reel's event stream until its terminal state. A stream that breaks or ends early is
 * opened again from its last event (Last-Event-ID), a few times; what went wrong is said in `onProblem`.
 */
async function followReel(id: string, on: (event: string, data: unknown) => void, onProblem: (text: string | null) => void, signal: AbortSignal): Promise<void> {
  let lastId: string | null = null;
  let terminal = false;
  let failures = 0;
  while (!signal.aborted && !terminal) {
    try {
      await followEvents(
        `/v1/reels/${id}/events`,
        (event, data, eventId) => {
          if (eventId) lastId = eventId;
          if (failures) onProblem(null);
          failures = 0;
          if (event === 'state' && isFinished((data as StateEvent).state)) terminal = true;
          on(event, data);
        },
        signal,
        lastId,
      );
      // 204: the last event seen was the terminal one.
      if (lastId && /^\d+\.(completed|failed|cancelled)\./.test(lastId)) terminal = true;
      if (terminal || signal.aborted) return;
      throw new Error('the event stream ended before the reel finished');
    } catch (err) {
      if (signal.aborted) return;
      const message = (err as Error).message;
      // A 4xx other than 429 will not change by asking again (the reel is gone, the key no longer valid).
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        onProblem(`live progress stopped: ${message}`);
        return;
      }
      failures += 1;
      if (failures > RECONNECTS) {
        onProblem(`live progress stopped after ${RECONNECTS} tries: ${message}; reload the page to try again`);
        return;
      }
      onProblem(`live progress interrupted (${message}); reconnecting, try ${failures} of ${RECONNECTS}…`);
      await sleep(RECONNECT_MS * failures, signal);
    }
  }
}

function Row({ reel, onOpen, onFinished }: { reel: Reel; onOpen: (id: string) => void; onFinished: () => void }) {
  const [live, setLive] = useState<Live>(() => liveOf(reel));
  const [streamProblem, setStreamProblem] = useState<string | null>(null);
  useEffect(() => {
    setLive(liveOf(reel));
    if (isFinished(reel.state)) return;
    const ac = new AbortController();
    followReel(
      reel.id,
      (event, data) => {
        if (event === 'state') {
          const d = data as StateEvent;
          setLive((l) => ({ ...l, state: d.state, error: d.error ?? l.error }));
          if (isFinished(d.state)) onFinished();
          return;
        }
        const d = data as ProgressEvent;
        setLive((l) => {
          const shots = { ...l.shots };
          for (const s of d.shots) shots[s.index] = s;
          return { ...l, percent: d.percent, etaSeconds: d.etaSeconds, queuePosition: d.queuePosition, segment: d.segment, inpaint: d.inpaint, shots };
        });
      },
      setStreamProblem,
      ac.signal,
    ).catch((err: Error) => setStreamProblem(`live progress stopped: ${err.message}`));
    return () => ac.abort();
  }, [reel.id, reel.state]);
  const frames = reel.media?.frameCount ?? reel.source.frames ?? reel.progress.framesTotal;
  const pixels = reel.media ? reel.media.width * reel.media.height * reel.media.frameCount : 0;
  const damage = pixels ? `${((100 * reel.damagedPixels) / pixels).toFixed(3)} %` : '–';
  const running = !isFinished(live.state);
  // A failed reel shows where its frame work stopped, if it had begun.
  const stages = running || (live.state === 'failed' && live.segment.frames > 0);
  const shots = Object.values(live.shots).sort((a, b) => a.index - b.index);
  return (
    <tr
      data-testid={`reel-${reel.id}`}
      data-state={live.state}
      data-percent={live.percent}
      onClick={() => live.state === 'completed' && onOpen(reel.id)}
      class={live.state === 'completed' ? 'openable' : ''}
    >
      <td>{reel.source.fileName ?? reel.id}</td>
      <td>
        {live.state}
        {live.state === 'queued' && live.queuePosition ? ` (${ordinal(live.queuePosition)} in line)` : ''}
        {live.state === 'failed' && live.error ? (
          <div class="reason" data-testid="reason">
            {live.error}
          </div>
        ) : null}
      </td>
      <td>
        <progress max={100} value={live.percent} /> {live.percent} %{live.etaSeconds ? ` · ${Math.ceil(live.etaSeconds)} s left` : ''}
        {stages ? <Stages live={live} /> : null}
        {stages && shots.length ? <Shots shots={shots} /> : null}
        <Alert text={streamProblem} />
      </td>
      <td>{frames || '–'}</td>
      <td>{damage}</td>
      <td>{age(reel.createdAt)}</td>
    </tr>
  );
}

/** The three stages: segment and inpaint by frames done (they run side by side), stitch by state (the events give it no figure). */
function Stages({ live }: { live: Live }) {
  const stitch = live.state === 'stitching' ? 'running' : live.state === 'completed' ? 'done' : live.state === 'failed' || live.state === 'cancelled' ? '–' : 'waiting';
  return (
    <div class="stages">
      <span data-testid="stage-segment" title={`${live.segment.frames} frames segmented`}>
        segment <Bar kind="segment" percent={live.segment.percent} /> {live.segment.percent} %
      </span>
      <span data-testid="stage-inpaint" title={`${live.inpaint.frames} frames inpainted`}>
        inpaint <Bar kind="inpaint" percent={live.inpaint.percent} /> {live.inpaint.percent} %
      </span>
      <span data-testid="stage-stitch">stitch {stitch}</span>
    </div>
  );
}

/** The segment stage in light grey, the inpaint stage in the accent colour: the per-shot strip uses the same two. */
const Bar = ({ kind, percent }: { kind: 'segment' | 'inpaint'; percent: number }) => (
  <span class="bar">
    <i class={kind} style={{ width: `${percent}%` }} />
  </span>
);

/**
 * Per shot: a strip of small bars, each as wide as its shot is long (segment above, inpaint below), and
 * the same in words when opened.
 */
function Shots({ shots }: { shots: ShotProgress[] }) {
  const words = (s: ShotProgress) => `shot ${s.index + 1}, frames ${s.start + 1}–${s.end}: segment ${s.segment.percent} %, inpaint ${s.inpaint.percent} %`;
  return (
    <details class="shots" onClick={(e) => e.stopPropagation()}>
      <summary>
        <span class="strip" data-testid="shot-strip">
          {shots.map((s) => (
            <span class="shot" style={{ flexGrow: Math.max(1, s.end - s.start) }} title={words(s)} data-testid={`shot-${s.index}`} data-segment={s.segment.percent} data-inpaint={s.inpaint.percent}>
              <i class="segment" style={{ width: `${s.segment.percent}%` }} />
              <i class="inpaint" style={{ width: `${s.inpaint.percent}%` }} />
            </span>
          ))}
        </span>
        {shots.length} {shots.length === 1 ? 'shot' : 'shots'}
      </summary>
      <ol>
        {shots.map((s) => (
          <li>{words(s)}</li>
        ))}
      </ol>
    </details>
  );
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function age(iso: string): string {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 129600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
