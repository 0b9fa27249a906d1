import { BadInputError, NotFoundError } from '@reelrestore/shared/errors';
import { deleteUpload } from '@reelrestore/shared/reels/purge-reel';
import type { ReelSource } from '@reelrestore/shared/reels/reel-record';
import { safeKey, tenantKeys } from '@reelrestore/shared/storage/keys';
import type { ExternalSources } from '@reelrestore/shared/storage/external-sources';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { FormatTracker, frameFormat } from '@reelrestore/shared/frames/frame-files';
import type { FinishedUpload } from '../uploads/tus-uploads.js';
import { displayName } from './receive-upload.js';
import { SNIFF_BYTES, sniffMedia, unsupportedMediaMessage } from './sniff-media.js';
import { storeTarFrames } from './store-tar-frames.js';

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

/**
 * A reel read in place from an archive's own bucket that an operator registered for the tenant (SOURCES):
 * keys and prefixes are relative to the source's own prefix; another tenant's source is a 404.
 */
export async function resolveExternalSource(sources: ExternalSources, tenantId: string, source: { external: string; key: string } | { external: string; prefix: string }): Promise<ReelSource> {
  const store = sources.forTenant(tenantId, source.external);
  const resolved = 'key' in source ? await videoAtKey(store, safeKey(source.key, 'source.key'), source.key) : await framesUnderPrefix(store, '', source.prefix);
  return { ...resolved, external: source.external };
}

async function videoAtKey(store: ObjectStore, key: string, named: string): Promise<ReelSource> {
  if (key.endsWith('/')) throw new BadInputError(`source.key "${named}" ends with "/": name a folder of frames with source.prefix`, 400);
  const head = await store.head(key);
  if (!head) throw new NotFoundError(`source.key "${named}": no such object in your sources`);
  const kind = await sniffStored(store, key, head.size, `source.key "${named}"`);
  if (kind === 'tar') throw new BadInputError(`source.key "${named}" is a tar archive: upload it, or name its extracted frames with source.prefix`, 415);
  return { type: 'video', key, fileName: key.split('/').at(-1) ?? key, size: head.size };
}

/**
 * A finished resumable upload (uploads/tus-uploads.ts): a video is referenced where it landed, a tar of
 * frames is unpacked into the reel's own source/frames/ as a multipart upload is, and then deleted.
 */
export async function resolveUploadSource(store: ObjectStore, upload: FinishedUpload, uploadId: string, reelId: string): Promise<ReelSource> {
  const kind = await sniffStored(store, upload.key, upload.size, `upload ${uploadId}${upload.fileName ? ` ('${upload.fileName.slice(0, 100)}')` : ''}`);
  if (kind === 'tar') {
    const frames = await storeTarFrames(await store.get(upload.key), store, reelId);
    // The frames are the reel's own now; the tar would only take the space twice.
    await deleteUpload(store, upload.key);
    return frames;
  }
  return { type: 'video', key: upload.key, fileName: displayName(upload.fileName ?? '', `upload-${uploadId}`), size: upload.size };
}

/** What a stored object holds, by its first bytes: a video or a tar; anything else is a 415. */
async function sniffStored(store: ObjectStore, key: string, size: number, what: string): Promise<'video' | 'tar'> {
  if (size === 0) throw new BadInputError(`${what} is empty`, 422);
  const sniffed = sniffMedia(await readStart(store, key, Math.min(size, SNIFF_BYTES)));
  if (sniffed.kind === 'other') throw new BadInputError(unsupportedMediaMessage({ contentType: 'stored object', fileName: what, looksLike: sniffed.looksLike }), 415);
  return sniffed.kind;
}

async function framesUnderPrefix(store: ObjectStore, space: string, rawPrefix: string): Promise<ReelSource> {
  const named = safeKey(rawPrefix, 'source.prefix').replace(/\/?$/, '/');
  return framesAt(store, space + named, `source.prefix "${named}"`);
}

/** A sequence uploaded frame by frame (uploads/sequence-uploads.ts), read in place. */
export function resolveSequenceUpload(store: ObjectStore, prefix: string, uploadId: string): Promise<ReelSource> {
  return framesAt(store, prefix, `sequence upload ${uploadId}`);
}

/** The frames under a folder of the store, one format, at least one. */
async function framesAt(store: ObjectStore, prefix: string, what: string): Promise<ReelSource> {
  const formats = new FormatTracker();
  let frames = 0;
  let size = 0;
  for await (const obj of store.list(prefix)) {
    const format = frameFormat(obj.key.slice(prefix.length));
    if (format === null) continue;
    formats.accept(format, what);
    frames++;
    size += obj.size;
  }
  if (frames === 0) throw new NotFoundError(`${what}: no DPX, TIFF or PNG frames in it`);
  return { type: 'sequence', prefix, frames, size };
}

async function readStart(store: ObjectStore, key: string, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key, { start: 0, end: bytes - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
