import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Redis } from 'ioredis';
import { BadInputError, errorMessage, NotFoundError } from '@reelrestore/shared/errors';
import { tenantKeys } from '@reelrestore/shared/storage/keys';
import { S3Store } from '@reelrestore/shared/storage/s3-store';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { displayName } from '../ingest/receive-upload.js';
import { UPLOAD_ID, type FinishedUpload } from './tus-uploads.js';

/** S3's own limits on a multipart upload. */
const MAX_PARTS = 10_000;
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_BYTES = 5 * 1024 ** 3;
/** The default part: big enough that a 200 GB reel needs few requests, small enough to retry cheaply. */
const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
/** Part URLs are valid this long (SigV4 allows at most 7 days); the upload's record lives as long. */
const URL_SECONDS = 24 * 3600;

export interface DirectUpload {
  id: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
  expiresAt: string;
}

interface Pending {
  s3UploadId: string;
  size: number;
  partSize: number;
  fileName: string;
}

/**
 * Uploads that never pass through the API (S3 deployments): the API opens an S3 multipart upload at the
 * tenant's tenants/<tenant>/uploads/<id>, hands out a presigned URL per part, and completes it with the
 * parts' ETags. The finished object is an upload like a tus one, so POST /v1/reels {"source": {"upload": id}}
 * takes it. The pending upload's S3 id lives in Redis, per tenant: another tenant's id is not found.
 */
export class DirectUploads {
  constructor(
    private readonly store: ObjectStore,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly maxBytes: number,
  ) {}

  private s3(): S3Store {
    if (!(this.store instanceof S3Store)) {
      throw new BadInputError('direct uploads need an S3 store; this deployment keeps reels in a local folder: use the resumable upload (POST /v1/uploads, tus)', 409);
    }
    return this.store;
  }

  private pendingKey = (tenantId: string, id: string) => `${this.redisPrefix}:direct-upload:${tenantId}:${id}`;

  async create(tenantId: string, req: { size: number; fileName: string; partSize?: number | undefined }): Promise<DirectUpload> {
    const s3 = this.s3();
    if (req.size > this.maxBytes) throw new BadInputError(`the upload declares ${req.size} bytes, over the limit of ${this.maxBytes}`, 413);
    const partSize = choosePartSize(req.size, req.partSize);
    const id = randomBytes(16).toString('hex');
    const key = s3.prefix + tenantKeys(tenantId).upload(id);
    const created = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
    if (!created.UploadId) throw new Error('S3 opened no multipart upload');
    const count = Math.max(1, Math.ceil(req.size / partSize));
    const parts = await Promise.all(
      Array.from({ length: count }, async (_, i) => ({
        partNumber: i + 1,
        url: await getSignedUrl(s3.client, new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId: created.UploadId, PartNumber: i + 1 }), {
          expiresIn: URL_SECONDS,
        }),
      })),
    );
    const pending: Pending = { s3UploadId: created.UploadId, size: req.size, partSize, fileName: displayName(req.fileName, `upload-${id}`) };
    await this.redis.set(this.pendingKey(tenantId, id), JSON.stringify(pending), 'EX', URL_SECONDS);
    return { id, partSize, parts, expiresAt: new Date(Date.now() + URL_SECONDS * 1000).toISOString() };
  }

  /** Completes the upload from the ETags the part PUTs answered; S3 checks them and the sizes. */
  async complete(tenantId: string, id: string, parts: { partNumber: number; etag: string }[]): Promise<{ id: string; size: number }> {
    const s3 = this.s3();
    const pending = await this.pending(tenantId, id);
    const expected = Math.max(1, Math.ceil(pending.size / pending.partSize));
    const numbers = parts.map((p) => p.partNumber).sort((a, b) => a - b);
    if (numbers.length !== expected || numbers.some((n, i) => n !== i + 1)) {
      throw new BadInputError(`send the ETag of every part, 1 to ${expected}, once each (got ${parts.length})`, 422);
    }
    const key = tenantKeys(tenantId).upload(id);
    try {
      await s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key: s3.prefix + key,
          UploadId: pending.s3UploadId,
          MultipartUpload: { Parts: [...parts].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    } catch (err) {
      throw new BadInputError(`S3 would not complete the upload: ${errorMessage(err)}`, 422, { cause: err });
    }
    const head = await s3.head(key);
    if (!head || head.size !== pending.size) {
      await s3.delete(key);
      throw new BadInputError(`the parts hold ${head?.size ?? 0} bytes, not the ${pending.size} declared: upload them again`, 422);
    }
    await this.redis.multi().del(this.pendingKey(tenantId, id)).set(this.finishedKey(tenantId, id), pending.fileName).exec();
    return { id, size: head.size };
  }

  async abort(tenantId: string, id: string): Promise<void> {
    const s3 = this.s3();
    const pending = await this.pending(tenantId, id);
    await s3.client
      .send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: s3.prefix + tenantKeys(tenantId).upload(id), UploadId: pending.s3UploadId }))
      .catch(() => undefined);
    await this.redis.del(this.pendingKey(tenantId, id));
  }

  /** A completed direct upload of the tenant's, as a FinishedUpload; null when `id` is none (it may be a tus upload). */
  async finished(tenantId: string, id: string): Promise<FinishedUpload | null> {
    const fileName = UPLOAD_ID.test(id) ? await this.redis.get(this.finishedKey(tenantId, id)) : null;
    if (fileName === null) return null;
    const key = tenantKeys(tenantId).upload(id);
    const head = await this.store.head(key);
    return head ? { key, size: head.size, fileName } : null;
  }

  private finishedKey = (tenantId: string, id: string) => `${this.redisPrefix}:direct-upload-done:${tenantId}:${id}`;

  private async pending(tenantId: string, id: string): Promise<Pending> {
    const raw = UPLOAD_ID.test(id) ? await this.redis.get(this.pendingKey(tenantId, id)) : null;
    if (!raw) throw new NotFoundError(`direct upload ${id.slice(0, 40)} not found (or its part URLs have expired)`);
    return JSON.parse(raw) as Pending;
  }
}

/** The client's part size if S3 allows it, else 64 MiB, grown until the upload fits in 10,000 parts. */
export function choosePartSize(size: number, requested?: number): number {
  const least = Math.ceil(size / MAX_PARTS);
  const wanted = requested ?? DEFAULT_PART_BYTES;
  if (requested !== undefined && (requested < MIN_PART_BYTES || requested > MAX_PART_BYTES)) {
    throw new BadInputError(`partSize must be between ${MIN_PART_BYTES} and ${MAX_PART_BYTES} bytes`, 400);
  }
  const mib = 1024 * 1024;
  return Math.max(wanted, Math.ceil(least / mib) * mib);
}
