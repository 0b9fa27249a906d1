import type { FlowJob, FlowProducer } from 'bullmq';
import { jobIds, jobPayloads, type ChunkPayload } from '@reelrestore/shared/jobs';
import type { ChunkPlan } from '@reelrestore/shared/frames/plan';
import { defaultJobOptions } from '@reelrestore/shared/queues';

/**
 * One flow per reel: stitch(reel) ← inpaint(shot, chunk) ← segment(shot, chunk). A review `revision` adds
 * a smaller one, over the chunks its edits touch and without segment jobs (the masks are the review's):
 * stitch(reel, revision) ← inpaint(shot, chunk, revision).
 * Every child fails its parent when it fails for good, so a broken chunk fails the reel instead of
 * leaving stitch waiting forever. Ids are deterministic, so a re-run of the probe adds nothing twice.
 */
export function buildReelFlow(reelId: string, chunks: ChunkPlan[], attempts: number, prefix: string, revision?: number): FlowJob {
  const opts = defaultJobOptions(attempts);
  const childOpts = { ...opts, failParentOnFailure: true };
  const rev = revision ? { revision } : {};
  return {
    name: 'stitch',
    queueName: 'stitch',
    prefix,
    data: jobPayloads.stitch.parse({ reelId, ...rev }),
    opts: { ...opts, jobId: jobIds.stitch(reelId, revision) },
    children: chunks.map((c) => {
      const payload: ChunkPayload = jobPayloads.inpaint.parse({ reelId, ...c, ...rev });
      const segment = {
        name: 'segment',
        queueName: 'segment',
        prefix,
        data: payload,
        opts: { ...childOpts, jobId: jobIds.segment(reelId, c.shot, c.chunk) },
      };
      return {
        name: 'inpaint',
        queueName: 'inpaint',
        prefix,
        data: payload,
        opts: { ...childOpts, jobId: jobIds.inpaint(reelId, c.shot, c.chunk, revision) },
        ...(revision ? {} : { children: [segment] }),
      };
    }),
  };
}

export async function addReelFlow(flows: FlowProducer, flow: FlowJob): Promise<void> {
  await flows.add(flow);
}
