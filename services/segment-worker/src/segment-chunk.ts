import { assertReelActive } from '@reelrestore/shared/reels/assert-reel-active';
import { maskKeyForChunk } from '@reelrestore/shared/reels/chunk-keys';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { readSourceFrames } from '@reelrestore/shared/reels/read-source';
import { encodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import { defaultSegmentModelPath, unetSettings } from '@reelrestore/shared/restore/unet-segment';
import type { GateVerdict } from '@reelrestore/shared/restore/temporal-gate';
import type { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import type { JobHandler } from '@reelrestore/shared/workers/handlers';
import { notifyReelProgress } from '@reelrestore/shared/webhooks/notify-reel-progress';
import { framesToDecode, lumaBuffers, segmentFrames, type Detector } from './segment-frames.js';

/**
 * Segment one chunk: a mask per frame (8-bit PNG, 255 = damage) for the chunk's frames, plus masks for its
 * context frames that inpaint will need. The frames are decoded once, in order, and segmented as they come
 * (segment-frames.ts); this file is the job around that loop: the reel's state, the plan, the masks' storage
 * and the chunk's progress.
 */
export function segmentChunk(pool: ComputePool): JobHandler<'segment'> {
  // Kept from chunk to chunk: a worker segmenting frames of one size allocates luma buffers only when a
  // chunk holds more at once than any before it.
  const buffers = lumaBuffers(pool);
  return async (p, ctx) => {
    const started = Date.now();
    await assertReelActive(ctx.reels, p.reelId);
    await ctx.reels.transition(p.reelId, 'segmenting', { from: ['probing'] });
    // The first chunk's start is the ETA's clock.
    await ctx.reels.markWorkStarted(p.reelId, started);
    const plan = await readPlan(ctx.store, p.reelId);
    if (!plan) throw new Error('plan.json is missing');
    const shot = plan.shots[p.shot];
    if (!shot) throw new Error(`shot ${p.shot} is not in the plan`);
    const { layout } = plan.media;

    const unet = ctx.config.SEGMENTER === 'unet';
    const detector: Detector = unet
      ? { kind: 'unet', modelPath: ctx.config.SEGMENT_MODEL ?? defaultSegmentModelPath(), settings: unetSettings(ctx.config, layout.width) }
      : { kind: 'spike', threshold: ctx.config.SPIKE_THRESHOLD, dilate: ctx.config.MASK_DILATE };
    const wanted = { start: p.contextStart, end: p.contextEnd };
    const decode = framesToDecode(detector, shot, wanted);

    let damaged = 0;
    let cellShare = 0;
    let segmented = 0;
    // What the temporal gate made of the network's regions: operators see how much it protected, and why.
    const verdicts: Partial<Record<GateVerdict, number>> = {};
    const frames = readSourceFrames(ctx.sources.storeOf(plan.source, ctx.store), plan, decode.start, decode.end, ctx.signal);
    // Where the chunk's time went besides the compute threads' work (logged with the chunk).
    const { decodeWaitMs, computeWaitMs } = await segmentFrames(
      pool,
      frames,
      { layout, detector, shot, wanted, signal: ctx.signal, between: () => assertReelActive(ctx.reels, p.reelId), lumaBuffers: buffers },
      async (f) => {
        if (f.index >= p.start && f.index < p.end) damaged += f.damaged;
        cellShare += f.cellShare ?? 0;
        for (const [k, n] of Object.entries(f.verdicts ?? {}) as [GateVerdict, number][]) verdicts[k] = (verdicts[k] ?? 0) + n;
        segmented++;
        await ctx.store.put(maskKeyForChunk(p.reelId, p, f.index), await encodeMaskPng(f.mask, layout.width, layout.height), {
          contentType: 'image/png',
        });
      },
    );

    const chunkFrames = p.end - p.start;
    const ms = Date.now() - started;
    // How much of the picture the network saw explains the chunk's time: operators tuning UNET_CASCADE_*
    // read it here.
    ctx.log.info(
      {
        segmenter: ctx.config.SEGMENTER,
        frames: chunkFrames,
        masks: segmented,
        damagedPixels: damaged,
        ms,
        decodeWaitMs: Math.round(decodeWaitMs),
        computeWaitMs: Math.round(computeWaitMs),
        ...(unet ? { networkCellShare: segmented ? cellShare / segmented : 0, gateVerdicts: verdicts } : {}),
      },
      'chunk segmented',
    );
    await ctx.reels.addProgress(p.reelId, 'segment', p, chunkFrames, ms, damaged);
    // Not awaited: it never throws, and the chunk does not wait for the receiver.
    void notifyReelProgress(ctx, p.reelId);
    return { frames: chunkFrames, pixels: chunkFrames * plan.media.layout.width * plan.media.layout.height, damagedPixels: damaged, ms };
  };
}
