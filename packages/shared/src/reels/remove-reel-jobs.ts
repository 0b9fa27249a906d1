import { Job } from 'bullmq';
import { jobIds } from '../jobs.js';
import type { Queues } from '../queues.js';
import type { ReelPlan } from '../frames/plan.js';

/**
 * Removes a reel's waiting and delayed jobs after a cancel or a failure, so nothing is left queued for it.
 * Active jobs are locked and cannot be removed: they check the reel's state and stop on their own.
 */
export async function removeReelJobs(queues: Queues, reelId: string, plan: Pick<ReelPlan, 'chunks'> | null, revision?: number): Promise<void> {
  const attempts: Promise<unknown>[] = [];
  const drop = (queue: keyof Queues, id: string) =>
    attempts.push(
      Job.fromId(queues[queue], id).then(async (job) => {
        if (!job) return;
        const state = await job.getState();
        if (state === 'active' || state === 'completed' || state === 'failed') return;
        await job.remove({ removeChildren: true }).catch(() => undefined);
      }),
    );
  drop('probe', jobIds.probe(reelId));
  drop('stitch', jobIds.stitch(reelId));
  if (revision) drop('stitch', jobIds.stitch(reelId, revision));
  for (const c of plan?.chunks ?? []) {
    drop('inpaint', jobIds.inpaint(reelId, c.shot, c.chunk));
    // A review's repaints, of the revision being rendered.
    if (revision) drop('inpaint', jobIds.inpaint(reelId, c.shot, c.chunk, revision));
    drop('segment', jobIds.segment(reelId, c.shot, c.chunk));
  }
  await Promise.allSettled(attempts);
}
