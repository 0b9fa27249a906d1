/**
 * Typed errors shared by every process.
 *
 * BadInputError: the reel itself is wrong (corrupt file, unsupported format). Retrying cannot help,
 * so workers turn it into an unrecoverable job failure and the API into a 4xx.
 * Anything else thrown by a job is treated as transient and retried with backoff.
 */
export class ReelRestoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadInputError extends ReelRestoreError {
  /** HTTP status the API answers with when this reaches a request. */
  constructor(message: string, readonly status: 400 | 409 | 411 | 413 | 415 | 422 = 422, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class NotFoundError extends ReelRestoreError {}

/** The reel was cancelled or already failed while a job for it was running: stop quietly. */
export class ReelStoppedError extends ReelRestoreError {}

export class ConfigError extends ReelRestoreError {}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * An error text as a user may read it: the paths and URLs it names (ffmpeg names the file it read, a store
 * names its keys) mean nothing to the user and say where the service keeps data, so they become "the file".
 */
export function withoutPaths(text: string): string {
  return text
    .replace(/\[[\w,]+ @ 0x[0-9a-f]+\]\s*/g, '')
    .replace(/(file:|https?:\/\/|s3:\/\/)\S+?(?=:\s|\s|$)/g, 'the file')
    .replace(/\/\S*\/(reels|tenants)\/\S+?(?=:\s|\s|$)/g, 'the file')
    .trim();
}
