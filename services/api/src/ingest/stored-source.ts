import { BadInputError, NotFoundError } from '@reelrestore/shared/errors';
import type { ReelSource } from '@reelrestore/shared/reels/reel-record';
import { safeKey, tenantKeys } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { FormatTracker, frameFormat } from '@reelrestore/shared/frames/frame-files';
import { SNIFF_BYTES, sniffMedia, unsupportedMediaMessage } from './sniff-media.js';

/**
 * A reel made from data already in the tenant's sources (archive ingest never re-uploads terabytes):
 * checks that it exists and looks right, and references it in place — nothing is copied. Keys are
 * relative to the tenant's own prefix (tenantKeys), so another tenant's data, or reelrestore's own, is
 * simply not there: 404, exactly like a key that does not exist.
 */
export async function resolveStoredSource(store: ObjectStore, tenantId: string, source: { key: string } | { prefix: string }): Promise<ReelSource> {
  const space = tenantKeys(tenantId);
  return 'key' in source ? videoAtKey(store, space.source(safeKey(source.key, 'source.key')), source.key) : framesUnderPrefix(store, space.sources, source.prefix);
}

async function videoAtKey(store: ObjectStore, key: string, named: string): Promise<ReelSource> {
  if (key.endsWith('/')) throw new BadInputError(`source.key "${named}" ends with "/": name a folder of frames with source.prefix`, 400);
  const head = await store.head(key);
  if (!head) throw new NotFoundError(`source.key "${named}": no such object in your sources`);
  if (head.size === 0) throw new BadInputError(`source.key "${named}" is empty`, 422);

  const sniffed = sniffMedia(await readStart(store, key, Math.min(head.size, SNIFF_BYTES)));
  if (sniffed.kind === 'tar') {
    throw new BadInputError(`source.key "${named}" is a tar archive: upload it, or name its extracted frames with source.prefix`, 415);
  }
  if (sniffed.kind === 'other') {
    throw new BadInputError(unsupportedMediaMessage({ contentType: 'stored object', fileName: named, looksLike: sniffed.looksLike }), 415);
  }
  return { type: 'video', key, fileName: key.split('/').at(-1) ?? key, size: head.size };
}

async function framesUnderPrefix(store: ObjectStore, space: string, rawPrefix: string): Promise<ReelSource> {
  const named = safeKey(rawPrefix, 'source.prefix').replace(/\/?$/, '/');
  const prefix = space + named;
  const formats = new FormatTracker();
  let frames = 0;
  let size = 0;
  for await (const obj of store.list(prefix)) {
    const format = frameFormat(obj.key.slice(prefix.length));
    if (format === null) continue;
    formats.accept(format, `source.prefix "${named}"`);
    frames++;
    size += obj.size;
  }
  if (frames === 0) throw new NotFoundError(`source.prefix "${named}": no DPX, TIFF or PNG frames under it in your sources`);
  return { type: 'sequence', prefix, frames, size };
}

async function readStart(store: ObjectStore, key: string, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key, { start: 0, end: bytes - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
