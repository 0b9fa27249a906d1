import { useEffect, useState } from 'preact/hooks';
import { apiJson, followEvents, isFinished, type Edit, type EditLogEntry, type Reel, type ReviewState } from './api.js';
import { Alert } from './alert.js';

export type Tool = 'look' | 'reject' | 'brush';

/** One edit in words, for the pending list and the log. */
export function describeEdit(e: Edit): string {
  switch (e.type) {
    case 'reject':
      return `reject repair at ${e.x},${e.y} · frame ${e.frame + 1}`;
    case 'add':
      return `brush ${e.radius} px, ${e.points.length} points · frame ${e.frame + 1}`;
    case 'revert-shot':
      return `revert shot ${e.shot + 1}`;
    case 'accept-shot':
      return `accept shot ${e.shot + 1}`;
  }
}

const frameOf = (e: Edit) => (e.type === 'reject' || e.type === 'add' ? e.frame : null);

/**
 * Pending edits on one frame, drawn over the picture at the frame's size: rejected repairs crossed out in red,
 * brush strokes in cyan, so the restorer sees what Apply will send.
 */
export function drawPending(canvas: HTMLCanvasElement, width: number, height: number, edits: readonly Edit[], frame: number, rejected: (e: Extract<Edit, { type: 'reject' }>) => { x: number; y: number; w: number; h: number } | null): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, width, height);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const e of edits) {
    if (e.type === 'add' && e.frame === frame) {
      ctx.strokeStyle = 'rgba(0, 220, 255, 0.55)';
      ctx.fillStyle = 'rgba(0, 220, 255, 0.55)';
      ctx.lineWidth = e.radius * 2;
      ctx.beginPath();
      e.points.forEach(([x, y], i) => (i ? ctx.lineTo(x + 0.5, y + 0.5) : ctx.moveTo(x + 0.5, y + 0.5)));
      if (e.points.length === 1) ctx.arc(e.points[0]![0] + 0.5, e.points[0]![1] + 0.5, e.radius, 0, 2 * Math.PI);
      e.points.length === 1 ? ctx.fill() : ctx.stroke();
    } else if (e.type === 'reject' && e.frame === frame) {
      const box = rejected(e) ?? { x: e.x - 3, y: e.y - 3, w: 7, h: 7 };
      ctx.strokeStyle = 'rgba(255, 70, 50, 0.9)';
      ctx.lineWidth = Math.max(1, Math.min(width, height) / 300);
      ctx.strokeRect(box.x - 1, box.y - 1, box.w + 2, box.h + 2);
      ctx.beginPath();
      ctx.moveTo(box.x - 1, box.y - 1);
      ctx.lineTo(box.x + box.w + 1, box.y + box.h + 1);
      ctx.moveTo(box.x + box.w + 1, box.y - 1);
      ctx.lineTo(box.x - 1, box.y + box.h + 1);
      ctx.stroke();
    }
  }
}

/**
 * The review side panel: the tools, the current shot's revert / accept, the edits waiting to be applied, the
 * render of the last applied ones (followed on the reel's event stream), and the reel's edit log.
 */
export function ReviewPanel(props: {
  reel: Reel;
  frame: number;
  tool: Tool;
  onTool: (t: Tool) => void;
  radius: number;
  onRadius: (r: number) => void;
  pending: Edit[];
  onPending: (edits: Edit[]) => void;
  onFrame: (frame: number) => void;
  /** Called with the reel as it is once a render is finished. */
  onRendered: (reel: Reel) => void;
}) {
  const { reel, frame, pending } = props;
  const [log, setLog] = useState<EditLogEntry[]>([]);
  const [render, setRender] = useState<{ revision: number; state: string; percent: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shot = reel.shots.find((s) => frame >= s.start && frame < s.end);

  useEffect(() => {
    apiJson<ReviewState>(`/v1/reels/${reel.id}/edits`).then((r) => setLog(r.edits), (e: Error) => setError(e.message));
  }, [reel.id, reel.revision]);

  const apply = async () => {
    setError(null);
    try {
      const accepted = await apiJson<{ revision: number; state: string }>(`/v1/reels/${reel.id}/edits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ edits: pending }),
      });
      props.onPending([]);
      setRender({ revision: accepted.revision, state: accepted.state, percent: 0 });
      const ac = new AbortController();
      let finalState = accepted.state;
      await followEvents(
        `/v1/reels/${reel.id}/events`,
        (event, data) => {
          const d = data as { state: string; percent?: number; error?: string };
          if (event === 'state') finalState = d.state;
          setRender((r) => r && { ...r, state: event === 'state' ? d.state : r.state, percent: d.percent ?? r.percent });
          if (event === 'state' && isFinished(d.state)) ac.abort();
        },
        ac.signal,
      ).catch((e: Error) => {
        if (e.name !== 'AbortError') throw e;
      });
      const now = await apiJson<Reel>(`/v1/reels/${reel.id}`);
      if (finalState !== 'completed' || now.state !== 'completed') setError(`the render ended ${now.state}${now.error ? `: ${now.error}` : ''}`);
      setRender(null);
      props.onRendered(now);
    } catch (e) {
      setRender(null);
      setError((e as Error).message);
    }
  };

  const add = (e: Edit) => props.onPending([...pending, e]);
  return (
    <aside class="review" data-testid="review">
      <h3>review</h3>
      <div class="tools">
        {(['look', 'reject', 'brush'] as Tool[]).map((t) => (
          <button class={props.tool === t ? 'on' : ''} onClick={() => props.onTool(t)} data-testid={`tool-${t}`} title={{ look: 'V', reject: 'R', brush: 'B' }[t]}>
            {t}
          </button>
        ))}
        {props.tool === 'brush' ? (
          <label>
            {props.radius} px
            <input type="range" min={1} max={64} value={props.radius} onInput={(e) => props.onRadius(Number((e.target as HTMLInputElement).value))} />
          </label>
        ) : null}
      </div>
      {shot ? (
        <div class="tools">
          shot {shot.index + 1}
          <button onClick={() => add({ type: 'revert-shot', shot: shot.index })} data-testid="revert-shot" title="put back the scan on every frame of the shot">
            revert
          </button>
          <button onClick={() => add({ type: 'accept-shot', shot: shot.index })} data-testid="accept-shot" title="keep the detector's repairs, undoing earlier edits">
            accept
          </button>
        </div>
      ) : null}
      <h4>to apply ({pending.length})</h4>
      <ol class="edits" data-testid="pending">
        {pending.map((e, i) => (
          <li>
            <a onClick={() => frameOf(e) !== null && props.onFrame(frameOf(e)!)}>{describeEdit(e)}</a>
            <button onClick={() => props.onPending(pending.filter((_, j) => j !== i))} title="drop">
              ×
            </button>
          </li>
        ))}
      </ol>
      <div class="tools">
        <button class="primary" disabled={!pending.length || render !== null} onClick={() => void apply()} data-testid="apply">
          apply {pending.length || ''} {pending.length === 1 ? 'edit' : 'edits'}
        </button>
        <button disabled={!pending.length} onClick={() => props.onPending([])}>
          discard
        </button>
      </div>
      {render ? (
        <p data-testid="rendering">
          making revision {render.revision}: {render.state} {render.percent}%
        </p>
      ) : null}
      <Alert text={error} />
      <h4>
        edit log {reel.revision ? `· revision ${reel.revision}` : ''}
      </h4>
      <ol class="edits log" data-testid="edit-log">
        {log
          .slice()
          .reverse()
          .map((e) => (
            <li title={`${e.by}, ${new Date(e.at).toLocaleString()}`}>
              <a onClick={() => frameOf(e) !== null && props.onFrame(frameOf(e)!)}>
                r{e.revision} · {describeEdit(e)}
                {e.pixels !== undefined ? ` · ${e.pixels} px` : ''}
              </a>
              <small>
                {e.by} · {new Date(e.at).toLocaleTimeString()}
              </small>
            </li>
          ))}
      </ol>
    </aside>
  );
}
