import type { FlowJob, FlowProducer } from 'bullmq';
import { jobIds, jobPayloads, type ChunkPayload } from '@reelrestore/shared/jobs';
import type { ChunkPlan } from '@reelrestore/shared/frames/plan';
import { defaultJobOptions } from '@reelrestore/shared/queues';

/**
 * One flow per reel: stitch(reel) ← inpaint(shot, chunk) ← segment(shot, chunk).
 * Every child fails its parent when it fails for good, so a broken chunk fails the reel instead of
 * leaving stitch waiting forever. Ids are deterministic, so a re-run of the probe adds nothing twice.
 */
export function buildReelFlow(reelId: string, chunks: ChunkPlan[], attempts: number, prefix: string): FlowJob {
  const opts = defaultJobOptions(attempts);
  const childOpts = { ...opts, failParentOnFailure: true };
  return {
    name: 'stitch',
    queueName: 'stitch',
    prefix,
    data: jobPayloads.stitch.parse({ reelId }),
    opts: { ...opts, jobId: jobIds.stitch(reelId) },
    children: chunks.map((c) => {
      const payload: ChunkPayload = jobPayloads.inpaint.parse({ reelId, ...c });
      return {
        name: 'inpaint',
        queueName: 'inpaint',
        prefix,
        data: payload,
        opts: { ...childOpts, jobId: jobIds.inpaint(reelId, c.shot, c.chunk) },
        children: [
          {
            name: 'segment',
            queueName: 'segment',
            prefix,
            data: payload,
            opts: { ...childOpts, jobId: jobIds.segment(reelId, c.shot, c.chunk) },
          },
        ],
      };
    }),
  };
}

export async function addReelFlow(flows: FlowProducer, flow: FlowJob): Promise<void> {
  await flows.add(flow);
}
