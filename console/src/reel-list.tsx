import { useEffect, useState } from 'preact/hooks';
import { apiJson, followEvents, isFinished, type Reel } from './api.js';
import { Upload } from './upload.js';

interface Live {
  state: string;
  percent: number;
  etaSeconds?: number | null;
}

/** The tenant's reels, newest first, with live progress for those still running. */
export function ReelList({ onOpen }: { onOpen: (id: string) => void }) {
  const [reels, setReels] = useState<Reel[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    apiJson<{ reels: Reel[] }>('/v1/reels?limit=50').then(
      (r) => setReels(r.reels),
      (err: Error) => setError(err.message),
    );
  }, [refresh]);

  return (
    <main class="reels">
      <Upload onSubmitted={() => setRefresh((n) => n + 1)} />
      {error ? <p class="error">{error}</p> : null}
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

function Row({ reel, onOpen, onFinished }: { reel: Reel; onOpen: (id: string) => void; onFinished: () => void }) {
  const [live, setLive] = useState<Live>({ state: reel.state, percent: reel.progress.percent });
  useEffect(() => {
    if (isFinished(reel.state)) return;
    const ac = new AbortController();
    followEvents(
      `/v1/reels/${reel.id}/events`,
      (event, data) => {
        const d = data as Live & { error?: string };
        setLive((l) => (event === 'state' ? { ...l, state: d.state } : { ...l, percent: d.percent, etaSeconds: d.etaSeconds ?? null }));
        if (event === 'state' && isFinished(d.state)) onFinished();
      },
      ac.signal,
    ).catch(() => undefined);
    return () => ac.abort();
  }, [reel.id, reel.state]);
  const frames = reel.media?.frameCount ?? reel.source.frames ?? reel.progress.framesTotal;
  const pixels = reel.media ? reel.media.width * reel.media.height * reel.media.frameCount : 0;
  const damage = pixels ? `${((100 * reel.damagedPixels) / pixels).toFixed(3)} %` : '–';
  return (
    <tr data-testid={`reel-${reel.id}`} data-state={live.state} onClick={() => live.state === 'completed' && onOpen(reel.id)} class={live.state === 'completed' ? 'openable' : ''}>
      <td>{reel.source.fileName ?? reel.id}</td>
      <td title={reel.error}>{live.state}</td>
      <td>
        <progress max={100} value={live.percent} /> {live.percent} %{live.etaSeconds ? ` · ${Math.ceil(live.etaSeconds)} s left` : ''}
      </td>
      <td>{frames || '–'}</td>
      <td>{damage}</td>
      <td>{age(reel.createdAt)}</td>
    </tr>
  );
}

function age(iso: string): string {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 129600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
