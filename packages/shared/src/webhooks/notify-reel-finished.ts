import type { Config } from '../config.js';
import { jobIds } from '../jobs.js';
import { enqueue, type Queues } from '../queues.js';
import type { ReelStore } from '../reels/reel-store.js';

export type ReelEventType = 'reel.completed' | 'reel.failed';

/**
 * One id per reel, review revision and outcome, so a stage retried after a crash re-enqueues the same job id
 * and BullMQ ignores it: a receiver never gets a second event for the same outcome, and gets a new one when
 * a restorer's edits made the outputs again.
 */
export function webhookEventId(reelId: string, type: ReelEventType, revision?: number): string {
  return `evt_${reelId}_${type === 'reel.completed' ? 'completed' : 'failed'}${revision ? `_v${revision}` : ''}`;
}

/** Enqueues the reel's completion or failure webhook; does nothing when the reel has no callbackUrl. */
export async function notifyReelFinished(
  deps: { queues: Queues; reels: ReelStore; config: Config },
  reelId: string,
  type: ReelEventType,
): Promise<void> {
  const reel = await deps.reels.get(reelId);
  if (!reel?.callbackUrl) return;
  const eventId = webhookEventId(reelId, type, reel.revision);
  await enqueue(deps.queues, 'webhook', jobIds.webhook(eventId), { reelId, tenantId: reel.tenantId, eventId, type }, {
    attempts: deps.config.WEBHOOK_ATTEMPTS,
    backoff: { type: 'exponential', delay: deps.config.WEBHOOK_BACKOFF_MS },
    // Kept (not counted) so the job id keeps de-duplicating for as long as a late retry of a stage could come.
    removeOnComplete: { age: 7 * 86_400 },
    removeOnFail: { age: 30 * 86_400 },
  });
}
