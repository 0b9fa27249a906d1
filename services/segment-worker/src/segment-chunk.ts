import type { Frame } from '@reelrestore/shared/frames/types';
import { assertReelActive } from '@reelrestore/shared/reels/assert-reel-active';
import { maskKeyForChunk } from '@reelrestore/shared/reels/chunk-keys';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { readSourceFrames } from '@reelrestore/shared/reels/read-source';
import { encodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import { defaultSegmentModelPath, UNET_WINDOW } from '@reelrestore/shared/restore/unet-segment';
import type { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import type { JobHandler } from '@reelrestore/shared/workers/handlers';
import { TaskBatch } from '@reelrestore/shared/workers/task-batch';

/**
 * Segment one chunk: a mask per frame (8-bit PNG, 255 = damage) for the chunk's frames, plus masks for its
 * context frames that inpaint will need. Frames are decoded once, in order, keeping only the detector's
 * window: 3 frames for the spike detector, the model's window (5) for the learned segmenter (SEGMENTER).
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

    const unet = ctx.config.SEGMENTER === 'unet';
    const half = unet ? UNET_WINDOW >> 1 : 1;
    const modelPath = ctx.config.SEGMENT_MODEL ?? defaultSegmentModelPath();
    // `half` extra frames each side (inside the shot) so the context frames' masks see their neighbours too.
    const first = Math.max(shot.start, p.contextStart - half);
    const last = Math.min(shot.end, p.contextEnd + half);
    const window: Frame[] = [];
    const batch = new TaskBatch(pool.size);
    const stillWanted = () => assertReelActive(ctx.reels, p.reelId);
    let damaged = 0;

    const at = (cur: Frame, k: number) => window.find((f) => f.index === cur.index + k)?.data ?? null;
    const detect = (cur: Frame) => {
      if (!unet) {
        return pool.run('segment-frame', {
          layout,
          prev: at(cur, -1),
          cur: cur.data,
          next: at(cur, 1),
          threshold: ctx.config.SPIKE_THRESHOLD,
          dilate: ctx.config.MASK_DILATE,
        });
      }
      const frames: (Frame['data'] | null)[] = [];
      for (let k = -half; k <= half; k++) frames.push(at(cur, k));
      return pool.run('segment-frame-unet', {
        layout,
        frames,
        modelPath,
        threshold: ctx.config.UNET_THRESHOLD,
        lowThreshold: ctx.config.UNET_LOW_THRESHOLD,
        dilate: ctx.config.UNET_DILATE,
        tile: ctx.config.UNET_TILE,
        overlap: ctx.config.UNET_OVERLAP,
      });
    };

    const segmentAt = async (i: number) => {
      const cur = window[i]!;
      const { mask, damaged: n } = await detect(cur);
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
      if (window.length > 2 * half + 1) window.splice(0, window.length - (2 * half + 1));
      // The frame `half` before this one now has all its neighbours: segment it.
      const i = window.length - 1 - half;
      if (i >= 0 && wanted(window[i]!.index)) await batch.add(segmentAt(i), stillWanted);
    }
    // The last frames of the range have no later neighbours to wait for.
    for (let i = Math.max(0, window.length - half); i < window.length; i++) {
      if (wanted(window[i]!.index)) await batch.add(segmentAt(i));
    }
    await batch.drain();

    const frames = p.end - p.start;
    const ms = Date.now() - started;
    await ctx.reels.addProgress(p.reelId, 'segment', p.shot, frames, ms, damaged);
    return { frames, damagedPixels: damaged, ms };
  };
}
