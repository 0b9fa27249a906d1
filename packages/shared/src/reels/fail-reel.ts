import type { Config } from '../config.js';
import type { ReelPlan } from '../frames/plan.js';
import type { Queues } from '../queues.js';
import type { ObjectStore } from '../storage/storage.js';
import { reelKeys } from '../storage/keys.js';
import { notifyReelFinished } from '../webhooks/notify-reel-finished.js';
import { removeReelJobs } from './remove-reel-jobs.js';
import type { ReelStore } from './reel-store.js';

/** Marks a reel failed with a readable reason, removes its queued work, and sends the failure webhook. */
export async function failReel(
  deps: { config: Config; reels: ReelStore; queues: Queues; store: ObjectStore },
  reelId: string,
  reason: string,
): Promise<void> {
  const moved = await deps.reels.transition(reelId, 'failed', { error: reason });
  if (!moved) return;
  await removeReelJobs(deps.queues, reelId, await readPlan(deps.store, reelId), (await deps.reels.get(reelId))?.revision);
  await notifyReelFinished(deps, reelId, 'reel.failed');
}

export async function readPlan(store: ObjectStore, reelId: string): Promise<ReelPlan | null> {
  const head = await store.head(reelKeys(reelId).plan);
  if (!head) return null;
  return JSON.parse((await store.getBuffer(reelKeys(reelId).plan)).toString('utf8')) as ReelPlan;
}
