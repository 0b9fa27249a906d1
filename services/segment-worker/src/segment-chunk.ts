import type { Frame } from '@reelrestore/shared/frames/types';
import { assertReelActive } from '@reelrestore/shared/reels/assert-reel-active';
import { maskKeyForChunk } from '@reelrestore/shared/reels/chunk-keys';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { readSourceFrames } from '@reelrestore/shared/reels/read-source';
import { encodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import type { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import type { JobHandler } from '@reelrestore/shared/workers/handlers';
import { TaskBatch } from '@reelrestore/shared/workers/task-batch';

/**
 * Segment one chunk: a mask per frame (8-bit PNG, 255 = damage) for the chunk's frames, plus masks for its
 * context frames that inpaint will need. Frames are decoded once, in order, keeping only a 3-frame window.
 */
export function segmentChunk(pool: ComputePool): JobHandler<'segment'> {
  return async (p, ctx) => {
    const started = Date.now();
    await assertReelActive(ctx.reels, p.reelId);
    await ctx.reels.transition(p.reelId, 'segmenting', { from: ['probing'] });
    const plan = await readPlan(ctx.store, p.reelId);
    if (!plan) throw new Error('plan.json is missing');
    const shot = plan.shots[p.shot];
    if (!shot) throw new Error(`shot ${p.shot} is not in the plan`);
    const { layout } = plan.media;

    // One extra frame each side (inside the shot) so the context frames' masks see both neighbours too.
    const first = Math.max(shot.start, p.contextStart - 1);
    const last = Math.min(shot.end, p.contextEnd + 1);
    const window: Frame[] = [];
    const batch = new TaskBatch(pool.size);
    const stillWanted = () => assertReelActive(ctx.reels, p.reelId);
    let damaged = 0;

    const segmentAt = async (i: number) => {
      const cur = window[i]!;
      const prev = window[i - 1]?.index === cur.index - 1 ? window[i - 1]!.data : null;
      const next = window[i + 1]?.index === cur.index + 1 ? window[i + 1]!.data : null;
      const { mask, damaged: n } = await pool.run('segment-frame', {
        layout,
        prev,
        cur: cur.data,
        next,
        threshold: ctx.config.SPIKE_THRESHOLD,
        dilate: ctx.config.MASK_DILATE,
      });
      if (cur.index >= p.start && cur.index < p.end) damaged += n;
      await ctx.store.put(maskKeyForChunk(p.reelId, p, cur.index), await encodeMaskPng(mask, layout.width, layout.height), {
        contentType: 'image/png',
      });
    };

    const wanted = (f: number) => f >= p.contextStart && f < p.contextEnd;
    for await (const frame of readSourceFrames(ctx.store, plan, first, last, ctx.signal)) {
      window.push(frame);
      // A dispatched task holds its own references to its frames, so the window keeps only what the
      // next task reads.
      if (window.length > 3) window.splice(0, window.length - 3);
      // The frame before this one now has both neighbours: segment it.
      const i = window.length - 2;
      if (i >= 0 && wanted(window[i]!.index)) await batch.add(segmentAt(i), stillWanted);
    }
    const lastI = window.length - 1;
    if (lastI >= 0 && wanted(window[lastI]!.index)) await batch.add(segmentAt(lastI));
    await batch.drain();

    const frames = p.end - p.start;
    const ms = Date.now() - started;
    await ctx.reels.addProgress(p.reelId, 'segment', p.shot, frames, ms, damaged);
    return { frames, damagedPixels: damaged, ms };
  };
}
