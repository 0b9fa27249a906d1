import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  S3Client,
  type BucketLocationConstraint,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ConfigError, NotFoundError, ReelRestoreError, errorMessage } from '../errors.js';
import { hashingTap, toReadable } from './hashing-tap.js';
import { safeKey } from './keys.js';
import type { ObjectStore, PutResult, StoredObject } from './storage.js';

export interface S3StoreOptions {
  bucket: string;
  /** An S3-compatible server (MinIO, s3rver, …), e.g. `http://127.0.0.1:9000`; omit for AWS itself. */
  endpoint?: string;
  /** Default 'us-east-1'. */
  region?: string;
  /** Every key is stored under this prefix, so several deployments can share a bucket. */
  prefix?: string;
  /** Explicit credentials; by default the SDK chain (AWS_ACCESS_KEY_ID/…, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** How long a connection to the store may take to open (default S3_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** How long a request may take until the store starts answering (default S3_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

/**
 * A store that cannot be reached fails the request quickly (the API answers 503 with Retry-After) instead
 * of holding it: connecting gets 5 s, and a request gets 2 minutes until the store starts answering (a put
 * sends a part already buffered here, at most 8 MiB, so that is ample). Once it answers, its body is not
 * timed: a download read slowly by its client pauses the store's socket, and must not be cut for it.
 * The SDK retries a failed attempt twice, so a store that is down answers within about three times these.
 */
export const S3_CONNECT_TIMEOUT_MS = 5_000;
export const S3_REQUEST_TIMEOUT_MS = 120_000;

// 8 MiB parts, two in flight: a put buffers at most ~24 MiB however large the reel is.
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** ffmpeg may read a source for hours on a long reel; a day is plenty and well under SigV4's 7-day cap. */
const MEDIA_URL_SECONDS = 24 * 3600;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
/** The most S3 returns per listing page, and the most DeleteObjects accepts per request. */
const PAGE_SIZE = 1000;

/** S3 bucket naming rules (loosely: legacy buckets may have upper case and underscores). Returns the problem, or null. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return `bucket name "${name}" must be 3 to 63 characters long`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/.test(name)) {
    return `bucket name "${name}" may only contain letters, digits, '.', '-' and '_', and must start and end with a letter or digit`;
  }
  return null;
}

/** Objects in an S3 bucket (AWS or any S3-compatible server), optionally under a key prefix. */
export class S3Store implements ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly region: string;
  readonly prefix: string;
  /** What the client was made with, for other S3 clients of the same store (the tus upload server). */
  readonly clientConfig: S3ClientConfig;

  constructor(options: S3StoreOptions) {
    const problem = bucketNameProblem(options.bucket);
    if (problem) throw new ConfigError(problem);
    this.bucket = options.bucket;
    this.region = options.region || 'us-east-1';
    this.prefix = options.prefix ? safeKey(options.prefix.replace(/\/*$/, '/'), 'storage prefix') : '';
    this.clientConfig = {
      region: this.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Self-hosted servers rarely have wildcard DNS for virtual-host buckets.
      forcePathStyle: true,
      // The SDK's default (CRC32 on every request, aws-chunked bodies) is not understood by s3rver
      // and some other S3-compatible servers, which then store the chunk framing as object bytes.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? S3_CONNECT_TIMEOUT_MS,
        requestTimeout: options.requestTimeoutMs ?? S3_REQUEST_TIMEOUT_MS,
        // Without it the SDK only logs a warning when requestTimeout passes, and the request goes on waiting.
        throwOnRequestTimeout: true,
      },
    };
    this.client = new S3Client(this.clientConfig);
  }

  private objectKey(key: string): string {
    return this.prefix + safeKey(key);
  }

  /**
   * Prefixes always end at a '/' boundary, as folders do in LocalStore: deletePrefix('reels/ab')
   * must never touch 'reels/abc/'.
   */
  private folderKey(prefix: string): string {
    return this.prefix + safeKey(prefix.endsWith('/') ? prefix : `${prefix}/`, 'prefix');
  }

  async put(key: string, body: Readable | Buffer | Uint8Array, options?: { contentType?: string }): Promise<PutResult> {
    const fullKey = this.objectKey(key);
    const { tap, result } = hashingTap();
    const source = toReadable(body);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: fullKey, Body: tap, ...(options?.contentType ? { ContentType: options.contentType } : {}) },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await Promise.all([pipeline(source, tap), upload.done()]);
    } catch (err) {
      // A failed upload stops reading; without this the source (often a file or an HTTP request) stays open.
      source.destroy();
      tap.destroy();
      throw err;
    }
    const written = result();
    await this.verifyLength(key, fullKey, written.size);
    return written;
  }

  /** Some S3-compatible servers verify no checksum at all, so at least make sure every byte arrived. */
  private async verifyLength(key: string, fullKey: string, expected: number): Promise<void> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey }));
    if (head.ContentLength === expected) return;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: fullKey })).catch(() => undefined);
    throw new ReelRestoreError(`object ${key} was stored with ${head.ContentLength} bytes instead of ${expected}; upload discarded`);
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
      );
      if (!(res.Body instanceof Readable)) throw new ReelRestoreError(`object ${key}: S3 response has no readable body`);
      return res.Body;
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`object ${key} not found`, { cause: err });
      throw err;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    return collect(await this.get(key));
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /**
   * Uses ListObjects (v1) with markers rather than ListObjectsV2: every S3-compatible server supports
   * it, and s3rver's V2 continuation tokens use DES, which Node 17+ (OpenSSL 3) refuses, so V2 fails
   * there on any listing longer than one page.
   */
  async *list(prefix: string): AsyncIterable<StoredObject> {
    const found: StoredObject[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.listPage(this.folderKey(prefix), marker);
      for (const o of page.objects) found.push({ key: o.key.slice(this.prefix.length), size: o.size });
      const last = page.objects.at(-1);
      if (!page.truncated || !last) break;
      marker = last.key;
    }
    // AWS lists in key order, but not every S3-compatible server does (s3rver walks its folders).
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  /** One page (up to 1000 objects) of full keys under `folder`, after `marker`. */
  private async listPage(folder: string, marker?: string): Promise<{ objects: StoredObject[]; truncated: boolean }> {
    const page = await this.client.send(
      new ListObjectsCommand({ Bucket: this.bucket, Prefix: folder, MaxKeys: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }),
    );
    const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ key: o.Key, size: o.Size ?? 0 }] : []));
    return { objects, truncated: page.IsTruncated === true };
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    const folder = this.folderKey(prefix);
    // Re-list from the start after each batch instead of paging past objects that are being deleted.
    let previous = '';
    for (;;) {
      const keys = (await this.listPage(folder)).objects.map((o) => o.key);
      if (keys.length === 0) return;
      const signature = keys.join('\n');
      if (signature === previous) throw new ReelRestoreError(`objects under ${prefix} are still listed after being deleted`);
      previous = signature;
      await this.deleteBatch(keys);
    }
  }

  private async deleteBatch(fullKeys: string[]): Promise<void> {
    const res = await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: fullKeys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const first = res.Errors?.[0];
    if (first) {
      throw new ReelRestoreError(`could not delete ${res.Errors?.length} objects, e.g. ${first.Key}: ${first.Code} ${first.Message}`);
    }
  }

  /** Checks the object exists first, so a missing source fails here with NotFoundError rather than as an ffmpeg HTTP 404. */
  async mediaUrl(key: string): Promise<string> {
    if (!(await this.head(key))) throw new NotFoundError(`object ${key} not found`);
    return this.sign(key, MEDIA_URL_SECONDS);
  }

  async presignedUrl(key: string, expiresInSeconds: number, downloadName?: string): Promise<string | null> {
    return this.sign(key, expiresInSeconds, downloadName);
  }

  private async sign(key: string, expiresInSeconds: number, downloadName?: string): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ...(downloadName ? { ResponseContentDisposition: attachment(downloadName) } : {}),
    });
    const expiresIn = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(expiresInSeconds)));
    return getSignedUrl(this.client, command, { expiresIn });
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw new ReelRestoreError(`S3 bucket ${this.bucket} is not reachable: ${describe(err)}`, { cause: err });
    }
  }

  /** Creates the bucket when it does not exist yet (tests, local setups); production buckets are made by ops. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region that rejects an explicit location constraint.
          ...(this.region !== 'us-east-1'
            ? { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } }
            : {}),
        }),
      );
    } catch (err) {
      // Another process created it in the meantime.
      if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
    }
  }

  /** Closes the client's idle sockets (tests, shutdown). */
  destroy(): void {
    this.client.destroy();
  }
}

interface S3ErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

/** A missing object. A missing bucket is a configuration problem and must not pass for an absent key. */
function isNotFound(err: unknown): boolean {
  const e = err as S3ErrorShape | null;
  if (!e || typeof e !== 'object' || e.name === 'NoSuchBucket') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

function describe(err: unknown): string {
  const e = err as S3ErrorShape | null;
  const status = e?.$metadata?.httpStatusCode;
  return `${errorMessage(err) || e?.name || 'unknown error'}${status ? ` (HTTP ${status})` : ''}`;
}

/** Content-Disposition with an ASCII fallback and the exact name as RFC 5987 `filename*`. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
