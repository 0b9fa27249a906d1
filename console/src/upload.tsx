import { useState } from 'preact/hooks';
import * as tus from 'tus-js-client';
import { api, savedKey } from './api.js';
import { Alert } from './alert.js';

interface Progress {
  name: string;
  bytes: number;
  total: number;
  started: number;
  /** When the bytes were counted: the rate is bytes over the time since `started`. */
  at: number;
  /** Times the connection broke and the upload went on from the server's offset. */
  resumed: number;
}

/**
 * Bytes per PATCH. Large, so a fast link sends a file in few requests; after a broken connection tus asks
 * the server how far it got and goes on from there, whatever the size. sessionStorage can set a smaller one
 * (the console's test does, to watch a small file go up in parts).
 */
const CHUNK_BYTES = 64 * 1024 * 1024;
const CHUNK_SETTING = 'reelrestore.uploadChunkBytes';

function chunkBytes(): number {
  const set = Number(sessionStorage.getItem(CHUNK_SETTING));
  return Number.isInteger(set) && set >= 1024 ? set : CHUNK_BYTES;
}

/** Bytes in the unit that reads best: kB below a megabyte. */
function size(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

/**
 * Drag and drop, or choose, a video or a tar of frames: it goes up as a resumable upload (tus), which
 * resumes by itself after a broken connection, and becomes a reel when it is whole.
 */
export function Upload({ onSubmitted }: { onSubmitted: () => void }) {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  const send = (file: File) => {
    setError(null);
    const started = Date.now();
    let resumed = 0;
    let bytes = 0;
    let total = file.size;
    const show = () => setProgress({ name: file.name, bytes, total, started, at: Date.now(), resumed });
    show();
    const upload = new tus.Upload(file, {
      endpoint: '/v1/uploads',
      headers: { authorization: `Bearer ${savedKey() ?? ''}` },
      metadata: { filename: file.name },
      chunkSize: chunkBytes(),
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      storeFingerprintForResuming: false,
      // tus-js-client's own rule (retry unless the server refused with a 4xx other than 409 and 423), plus
      // 429; each retry asks the server for its offset and goes on from there, which the progress line says.
      onShouldRetry: (err) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        const retry = navigator.onLine !== false && (status < 400 || status >= 500 || status === 409 || status === 423 || status === 429);
        if (retry) {
          resumed += 1;
          show();
        }
        return retry;
      },
      onProgress: (sent, of) => {
        bytes = sent;
        total = of;
        show();
      },
      onError: (err) => setError(`the upload of ${file.name} failed: ${err.message.split('\n')[0]}`),
      onSuccess: async () => {
        try {
          const id = upload.url?.split('/').at(-1);
          await api('/v1/reels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: { upload: id } }) });
          setProgress(null);
          onSubmitted();
        } catch (err) {
          setProgress(null);
          setError(`${file.name} was uploaded but did not become a reel: ${(err as Error).message}`);
        }
      },
    });
    upload.start();
  };

  const seconds = progress ? (progress.at - progress.started) / 1000 : 0;
  const rate = progress && seconds > 0 ? progress.bytes / seconds : 0;
  return (
    <section
      class={`upload ${over ? 'over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer?.files[0];
        if (file) send(file);
      }}
    >
      <label>
        Drop a video or a tar of frames here, or <span class="link">choose a file</span>
        <input type="file" data-testid="file" onChange={(e) => (e.target as HTMLInputElement).files?.[0] && send((e.target as HTMLInputElement).files![0]!)} />
      </label>
      {progress ? (
        <p data-testid="upload-progress">
          {progress.name}: <progress max={progress.total} value={progress.bytes} /> {size(progress.bytes)} of {size(progress.total)}
          {rate > 0 ? ` at ${size(rate)}/s` : ''}
          {rate > 0 && progress.bytes < progress.total ? `, ${duration((progress.total - progress.bytes) / rate)} left` : ''}
          {progress.resumed ? ` · the connection broke: resumed from the server's offset (${progress.resumed}×)` : ''}
        </p>
      ) : null}
      <Alert text={error} />
    </section>
  );
}
