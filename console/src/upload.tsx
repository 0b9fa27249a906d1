import { useState } from 'preact/hooks';
import * as tus from 'tus-js-client';
import { api, savedKey } from './api.js';
import { Alert } from './alert.js';

interface Progress {
  name: string;
  bytes: number;
  total: number;
  started: number;
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
    const upload = new tus.Upload(file, {
      endpoint: '/v1/uploads',
      headers: { authorization: `Bearer ${savedKey() ?? ''}` },
      metadata: { filename: file.name },
      chunkSize: 64 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      storeFingerprintForResuming: false,
      onProgress: (bytes, total) => setProgress({ name: file.name, bytes, total, started }),
      onError: (err) => setError(`the upload of ${file.name} failed: ${err.message.split('\n')[0]}`),
      onSuccess: async () => {
        try {
          const id = upload.url?.split('/').at(-1);
          await api('/v1/reels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: { upload: id } }) });
          setProgress(null);
          onSubmitted();
        } catch (err) {
          setError((err as Error).message);
        }
      },
    });
    upload.start();
  };

  const seconds = progress ? (Date.now() - progress.started) / 1000 : 0;
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
          {progress.name}: <progress max={progress.total} value={progress.bytes} /> {(progress.bytes / 1e6).toFixed(1)} of {(progress.total / 1e6).toFixed(1)} MB at{' '}
          {(rate / 1e6).toFixed(1)} MB/s{rate > 0 ? `, ${Math.ceil((progress.total - progress.bytes) / rate)} s left` : ''}
        </p>
      ) : null}
      <Alert text={error} />
    </section>
  );
}
