import type { FlowProducer } from 'bullmq';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { encodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import { chunksFor, framesOf, replayEdits, shotOf } from '@reelrestore/shared/review/replay-edits';
import { keepDetectedMask } from '@reelrestore/shared/review/review-masks';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { JobHandler } from '@reelrestore/shared/workers/handlers';
import { addReelFlow, buildReelFlow } from './build-flow.js';

/**
 * A review revision (routes/reels/review-edits.ts reopened the reel with its edits logged): rebuilds the final
 * masks of the frames its edits touch by replaying the whole edit log over the detected masks, then adds the
 * flow that repaints the chunks those frames are in or next to and stitches the outputs again.
 * Every step may run twice: the detected mask is kept once, replay gives the same masks, flow ids are fixed.
 */
export function reviewReel(flows: FlowProducer): JobHandler<'review'> {
  return async ({ reelId, revision, nonce }, ctx) => {
    const [review, state] = await Promise.all([ctx.reels.review(reelId), ctx.reels.getState(reelId)]);
    if (review.nonce !== nonce || review.revision !== revision) {
      // The API adds this job a moment before it reopens the reel; retried (with backoff) until it has.
      if (state === 'completed' && review.revision === revision - 1) throw new Error(`revision ${revision} is not committed yet`);
      return { skipped: `revision ${revision} was taken by another edit request` };
    }
    if (state !== 'inpainting') return { skipped: `the reel is ${state}` };
    const plan = await readPlan(ctx.store, reelId);
    if (!plan) throw new Error('plan.json is missing');
    const { width, height } = plan.media.layout;
    const keys = reelKeys(reelId);
    const log = review.edits.filter((e) => e.revision <= revision);
    const frames = framesOf(log.filter((e) => e.revision === revision), plan.shots);
    for (const frame of frames) {
      const shot = shotOf(frame, plan.shots);
      if (!shot) continue;
      const detected = await keepDetectedMask(ctx.store, reelId, frame, plan.media.layout);
      const final = replayEdits(detected, width, height, frame, shot, log);
      await ctx.store.put(keys.mask(frame), await encodeMaskPng(final, width, height), { contentType: 'image/png' });
    }
    // The console's images of earlier revisions are stale now.
    await ctx.store.deletePrefix(keys.frameCache);
    const chunks = chunksFor(frames, plan.chunks, ctx.config.CONTEXT_FRAMES);
    await addReelFlow(flows, buildReelFlow(reelId, chunks, ctx.config.JOB_ATTEMPTS, ctx.config.QUEUE_PREFIX, revision));
    ctx.log.info({ revision, frames: frames.length, chunks: chunks.length }, 'review flow added');
    return { frames: frames.length, chunks: chunks.length };
  };
}
