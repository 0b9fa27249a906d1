import type { Queues } from '../queues.js';
import { reelKeys, tenantKeys } from '../storage/keys.js';
import type { ObjectStore } from '../storage/storage.js';
import { readPlan } from './fail-reel.js';
import type { ReelRecord } from './reel-record.js';
import type { ReelStore } from './reel-store.js';
import { removeReelJobs } from './remove-reel-jobs.js';

/**
 * Deletes everything a reel put in the store: reels/<id>/ (an uploaded source or its frames, masks,
 * patches, outputs, the manifest) and the upload it was made from (a file, with the upload server's
 * record of it, or a sequence sent frame by frame). A source the archive staged in its own sources, or
 * reads from its own bucket, stays: it was there before the reel and may serve others. Its finished jobs go
 * from the queues (their payloads name its keys). The record stays, with `purgedAt`, so the reel's fate can
 * still be read, until RECORD_RETENTION_DAYS forgets it (retention.ts).
 */
export async function purgeReel(deps: { store: ObjectStore; reels: ReelStore; queues: Queues }, rec: Pick<ReelRecord, 'id' | 'tenantId' | 'source' | 'revision'>): Promise<string> {
  const { store, reels } = deps;
  // The plan names the chunks' jobs; it goes with the rest of the reel's data below.
  await removeReelJobs(deps.queues, rec.id, await readPlan(store, rec.id), rec.revision, { finished: true });
  await store.deletePrefix(reelKeys(rec.id).root);
  // An archive's own bucket (an external source) is never written to.
  const { source } = rec;
  const uploads = tenantKeys(rec.tenantId).uploads;
  if (!source.external && source.type === 'video' && source.key.startsWith(uploads)) await deleteUpload(store, source.key);
  // A sequence uploaded frame by frame is its own folder of uploads.
  if (!source.external && source.type === 'sequence' && source.prefix.startsWith(uploads)) await store.deletePrefix(source.prefix);
  return reels.markPurged(rec.id);
}

/** A resumable upload and the upload server's record of it beside it: .json (tus's file store) or .info (its S3 store). */
export async function deleteUpload(store: ObjectStore, key: string): Promise<void> {
  await Promise.all([key, `${key}.json`, `${key}.info`].map((k) => store.delete(k)));
}
