import { Job } from 'bullmq';
import { jobIds } from '../jobs.js';
import type { Queues } from '../queues.js';
import type { ReelPlan } from '../frames/plan.js';
import { webhookEventId } from '../webhooks/notify-reel-finished.js';

/**
 * Removes a reel's waiting and delayed jobs after a cancel or a failure, so nothing is left queued for it.
 * Active jobs are locked and cannot be removed: they check the reel's state and stop on their own.
 * With `finished`, completed and failed jobs go too (a purge: nothing of the reel stays in Redis but its
 * record), of every review revision up to `revision`, with its webhook deliveries.
 */
export async function removeReelJobs(
  queues: Queues,
  reelId: string,
  plan: Pick<ReelPlan, 'chunks'> | null,
  revision = 0,
  opts: { finished?: boolean } = {},
): Promise<void> {
  const attempts: Promise<unknown>[] = [];
  const drop = (queue: keyof Queues, id: string) =>
    attempts.push(
      Job.fromId(queues[queue], id).then(async (job) => {
        if (!job) return;
        const state = await job.getState();
        if (state === 'active' || (!opts.finished && (state === 'completed' || state === 'failed'))) return;
        await job.remove({ removeChildren: true }).catch(() => undefined);
      }),
    );
  // Only the revision being rendered can still be queued; a purge clears them all.
  const revisions = opts.finished ? Array.from({ length: revision + 1 }, (_, r) => r) : [...new Set([0, revision])];
  drop('probe', jobIds.probe(reelId));
  for (const r of revisions) {
    drop('stitch', jobIds.stitch(reelId, r));
    for (const c of plan?.chunks ?? []) drop('inpaint', jobIds.inpaint(reelId, c.shot, c.chunk, r));
    if (opts.finished) for (const type of ['reel.completed', 'reel.failed'] as const) drop('webhook', jobIds.webhook(webhookEventId(reelId, type, r)));
  }
  for (const c of plan?.chunks ?? []) drop('segment', jobIds.segment(reelId, c.shot, c.chunk));
  await Promise.allSettled(attempts);
}
