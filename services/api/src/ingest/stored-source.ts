import { BadInputError } from '@reelrestore/shared/errors';
import type { ReelSource } from '@reelrestore/shared/reels/reel-record';
import { safeKey } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { FormatTracker, frameFormat } from '@reelrestore/shared/frames/frame-files';
import { SNIFF_BYTES, sniffMedia, unsupportedMediaMessage } from './sniff-media.js';

/**
 * A reel made from data already in the store (archive ingest never re-uploads terabytes): checks that it
 * exists and looks right, and references it in place — nothing is copied.
 */
export async function resolveStoredSource(store: ObjectStore, source: { key: string } | { prefix: string }): Promise<ReelSource> {
  return 'key' in source ? videoAtKey(store, source.key) : framesUnderPrefix(store, source.prefix);
}

/** reels/ is reelrestore's own space: naming it would let one reel read (or a tenant reach) another reel's data. */
function assertNotInternal(key: string, what: string): void {
  if (key === 'reels' || key.startsWith('reels/')) throw new BadInputError(`${what} "${key.slice(0, 100)}" is inside reels/, which is internal`, 400);
}

async function videoAtKey(store: ObjectStore, rawKey: string): Promise<ReelSource> {
  const key = safeKey(rawKey, 'source.key');
  assertNotInternal(key, 'source.key');
  if (key.endsWith('/')) throw new BadInputError(`source.key "${key}" ends with "/": name a folder of frames with source.prefix`, 400);
  const head = await store.head(key);
  if (!head) throw new BadInputError(`source.key "${key}": no such object in the store`, 422);
  if (head.size === 0) throw new BadInputError(`source.key "${key}" is empty`, 422);

  const sniffed = sniffMedia(await readStart(store, key, Math.min(head.size, SNIFF_BYTES)));
  if (sniffed.kind === 'tar') {
    throw new BadInputError(`source.key "${key}" is a tar archive: upload it, or name its extracted frames with source.prefix`, 415);
  }
  if (sniffed.kind === 'other') {
    throw new BadInputError(unsupportedMediaMessage({ contentType: 'stored object', fileName: key, looksLike: sniffed.looksLike }), 415);
  }
  return { type: 'video', key, fileName: key.split('/').at(-1) ?? key, size: head.size };
}

async function framesUnderPrefix(store: ObjectStore, rawPrefix: string): Promise<ReelSource> {
  const prefix = safeKey(rawPrefix, 'source.prefix').replace(/\/?$/, '/');
  assertNotInternal(prefix, 'source.prefix');
  const formats = new FormatTracker();
  let frames = 0;
  let size = 0;
  for await (const obj of store.list(prefix)) {
    const format = frameFormat(obj.key.slice(prefix.length));
    if (format === null) continue;
    formats.accept(format, `source.prefix "${prefix}"`);
    frames++;
    size += obj.size;
  }
  if (frames === 0) throw new BadInputError(`source.prefix "${prefix}": no DPX, TIFF or PNG frames under it in the store`, 422);
  return { type: 'sequence', prefix, frames, size };
}

async function readStart(store: ObjectStore, key: string, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key, { start: 0, end: bytes - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
