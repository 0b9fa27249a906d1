import { NotFoundError } from '@reelrestore/shared/errors';
import type { OutputManifest } from '@reelrestore/shared/reels/reel-record';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';

/**
 * A completed reel's manifest.json, as the stitch job wrote it (pipeline-worker/src/output-manifest.ts). It is
 * read whole: about 200 bytes a file, some 35 MB for the masks of a two-hour reel at 24 fps.
 */
export async function readManifest(store: ObjectStore, key: string): Promise<OutputManifest> {
  if (!(await store.head(key))) throw new NotFoundError('the output manifest is missing from the store');
  const manifest = JSON.parse((await store.getBuffer(key)).toString('utf8')) as OutputManifest;
  if (manifest.version !== 1 || !Array.isArray(manifest.files)) throw new Error(`${key}: not a version 1 output manifest`);
  return manifest;
}
