import type { Readable } from 'node:stream';
import * as tus from 'tus-js-client';

/** Each PATCH carries this much; a stream's chunk is held in memory until the server has it. */
const CHUNK_BYTES = 64 * 1024 * 1024;
/** After a broken connection: ask the server for its offset and go on, waiting longer each time (about 2 minutes in all). */
const RETRY_DELAYS_MS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000];

export interface UploadProgress {
  bytes: number;
  /** Null while a tar of frames is still being produced (its length is declared at the end). */
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export interface ResumableUploadOptions {
  /** The service's base URL (the API's, without /v1). */
  api: string;
  apiKey: string;
  body: Readable;
  /** Bytes, when known up front (a file); null for a stream whose length is only known at its end. */
  size: number | null;
  fileName: string;
  onProgress?: (p: UploadProgress) => void;
  /** Called when a broken connection is being retried from the server's offset. */
  onResume?: (err: Error, attempt: number) => void;
}

/**
 * Uploads a reel with the tus protocol (tus-js-client): a broken connection costs only the chunk in
 * flight, since the client asks the server how much it holds and continues from there. Resolves with the
 * upload's id, which POST /v1/reels {"source": {"upload": id}} turns into a reel.
 */
export function uploadResumable(opts: ResumableUploadOptions): Promise<string> {
  const speed = new SpeedMeter();
  let attempt = 0;
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(opts.body, {
      endpoint: `${opts.api.replace(/\/+$/, '')}/v1/uploads`,
      headers: { authorization: `Bearer ${opts.apiKey}` },
      metadata: { filename: opts.fileName },
      chunkSize: CHUNK_BYTES,
      ...(opts.size === null ? { uploadLengthDeferred: true } : { uploadSize: opts.size }),
      retryDelays: RETRY_DELAYS_MS,
      // A new run is a new upload: resuming across runs would need the same bytes, which a stream cannot promise.
      storeFingerprintForResuming: false,
      onShouldRetry: (err, retryAttempt, options) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        // No answer (the connection broke), a server error or a lock held by the broken request: worth another try.
        const retry = status === 0 || status >= 500 || status === 409 || status === 423;
        if (retry && retryAttempt < (options.retryDelays?.length ?? 0)) opts.onResume?.(err, ++attempt);
        return retry;
      },
      onProgress: (bytes, total) => opts.onProgress?.(speed.update(bytes, opts.size === null ? null : total)),
      onSuccess: () => {
        const id = upload.url?.split('/').at(-1);
        if (id) resolve(id);
        else reject(new Error('the upload finished without an upload URL'));
      },
      onError: (err) => reject(err),
    });
    upload.start();
  });
}

/** Speed over the last ~10 s of progress, and the time left at that speed. */
class SpeedMeter {
  private samples: { at: number; bytes: number }[] = [];

  update(bytes: number, total: number | null): UploadProgress {
    const now = Date.now();
    this.samples.push({ at: now, bytes });
    while (this.samples.length > 2 && now - this.samples[0]!.at > 10_000) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (now - first.at) / 1000;
    const bytesPerSecond = seconds > 0 ? Math.max(0, bytes - first.bytes) / seconds : 0;
    const etaSeconds = total !== null && bytesPerSecond > 0 ? (total - bytes) / bytesPerSecond : null;
    return { bytes, total, bytesPerSecond, etaSeconds };
  }
}
