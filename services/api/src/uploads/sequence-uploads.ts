import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { BadInputError, NotFoundError } from '@reelrestore/shared/errors';
import { FRAME_CONTENT_TYPES, frameFormat } from '@reelrestore/shared/frames/frame-files';
import { SAFE_FILE_NAME, tenantKeys } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { UPLOAD_ID } from './tus-uploads.js';

/** A sequence being uploaded stays open this long after its last frame. */
const OPEN_SECONDS = 7 * 24 * 3600;
const OPEN = 'open';
const CLOSED = 'closed';

/**
 * Image sequences uploaded frame by frame: each frame is its own PUT (a DPX frame is tens of MB, so a
 * broken one is simply sent again) into tenants/<tenant>/uploads/<id>/, and the finished folder becomes a
 * reel by its id like any upload, read in place. The sequence's existence is recorded in Redis per tenant,
 * so another tenant's id is not found.
 */
export class SequenceUploads {
  constructor(
    private readonly store: ObjectStore,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly maxFrameBytes: number,
  ) {}

  private key = (tenantId: string, id: string) => `${this.redisPrefix}:sequence-upload:${tenantId}:${id}`;

  async create(tenantId: string): Promise<{ id: string; prefix: string }> {
    const id = randomBytes(16).toString('hex');
    await this.redis.set(this.key(tenantId, id), OPEN, 'EX', OPEN_SECONDS);
    return { id, prefix: this.prefixOf(tenantId, id) };
  }

  /** Stores one frame (replacing a frame of that name), streamed; checks the name and the declared size first. */
  async putFrame(tenantId: string, id: string, name: string, body: Readable, declaredBytes: number): Promise<{ name: string; size: number; sha256: string }> {
    const state = UPLOAD_ID.test(id) ? await this.redis.get(this.key(tenantId, id)) : null;
    if (state === null) throw new NotFoundError(`sequence upload ${id.slice(0, 40)} not found`);
    if (state === CLOSED) throw new BadInputError(`sequence upload ${id} is closed: a reel reads it; start a new one to send other frames`, 409);
    // One safe segment with a frame extension: no folders, a sequence is flat.
    const format = SAFE_FILE_NAME.test(name) ? frameFormat(name) : null;
    if (!format) throw new BadInputError(`frame name "${name.slice(0, 100)}" is not a DPX, TIFF or PNG file name (letters, digits, . _ -)`, 400);
    if (declaredBytes > this.maxFrameBytes) throw new BadInputError(`the frame declares ${declaredBytes} bytes, over the limit of ${this.maxFrameBytes}`, 413);
    const put = await this.store.put(this.prefixOf(tenantId, id) + name, body, { contentType: FRAME_CONTENT_TYPES[format] });
    await this.redis.expire(this.key(tenantId, id), OPEN_SECONDS);
    return { name, size: put.size, sha256: put.sha256 };
  }

  /**
   * The folder of a sequence of the tenant's, closing it to further frames (a reel is about to read it in
   * place); null when `id` is none (it may be another kind of upload).
   */
  async close(tenantId: string, id: string): Promise<string | null> {
    if (!UPLOAD_ID.test(id) || (await this.redis.set(this.key(tenantId, id), CLOSED, 'KEEPTTL', 'XX')) !== 'OK') return null;
    return this.prefixOf(tenantId, id);
  }

  private prefixOf(tenantId: string, id: string): string {
    return `${tenantKeys(tenantId).upload(id)}/`;
  }
}
