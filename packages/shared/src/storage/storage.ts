import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
}

export interface PutResult {
  size: number;
  /** Hex SHA-256 of the bytes written, computed while streaming. */
  sha256: string;
}

/**
 * Object storage: a local folder (the embedded default) or any S3-compatible store, one interface.
 * Keys are always built by code (see keys.ts), never taken raw from a client.
 */
export interface ObjectStore {
  /** Streams `body` into `key` (multipart for large objects on S3), hashing as it goes. Overwrites. */
  put(key: string, body: Readable | Buffer | Uint8Array, options?: { contentType?: string }): Promise<PutResult>;
  /** Throws NotFoundError when absent. */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  head(key: string): Promise<StoredObject | null>;
  /** Every object under `prefix` (which should end with '/'), sorted by key. */
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
  /**
   * Something ffmpeg can open directly: an absolute file path for the local store,
   * a presigned HTTP URL for S3 (ffmpeg reads it with range requests, so nothing is copied first).
   */
  mediaUrl(key: string): Promise<string>;
  /** A presigned download URL for clients, or null when the store cannot make one (local folder). */
  presignedUrl(key: string, expiresInSeconds: number, downloadName?: string): Promise<string | null>;
  /** Throws when the store is unreachable (readiness check). */
  ping(): Promise<void>;
}
