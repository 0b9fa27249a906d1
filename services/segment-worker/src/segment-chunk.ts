import type { Frame } from '@reelrestore/shared/frames/types';
import { assertReelActive } from '@reelrestore/shared/reels/assert-reel-active';
import { maskKeyForChunk } from '@reelrestore/shared/reels/chunk-keys';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { readSourceFrames } from '@reelrestore/shared/reels/read-source';
import { encodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import { defaultSegmentModelPath, UNET_WINDOW, unetSettings } from '@reelrestore/shared/restore/unet-segment';
import type { GateVerdict } from '@reelrestore/shared/restore/temporal-gate';
import type { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import type { JobHandler } from '@reelrestore/shared/workers/handlers';
import { notifyReelProgress } from '@reelrestore/shared/webhooks/notify-reel-progress';
import { InFlight } from './in-flight.js';

/**
 * Segment one chunk: a mask per frame (8-bit PNG, 255 = damage) for the chunk's frames, plus masks for its
 * context frames that inpaint will need. Frames are decoded once, in order, keeping only the detector's
 * window: 3 frames for the spike detector, the model's window (5) for the learned segmenter (SEGMENTER),
 * which reads each frame's luma, converted once per frame in a compute thread (with the reduced planes all
 * its windows read, luma-levels.ts).
 */
/** A frame of the detector's window: its samples (spike detector) or its luma, being computed (learned). */
interface Slot {
  index: number;
  data: Frame['data'] | null;
  luma?: Promise<Float32Array>;
}

export function segmentChunk(pool: ComputePool): JobHandler<'segment'> {
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
    const half = unet ? UNET_WINDOW >> 1 : 1;
    const modelPath = ctx.config.SEGMENT_MODEL ?? defaultSegmentModelPath();
    const settings = unetSettings(ctx.config, layout.width);
    // `half` extra frames each side (inside the shot) so the context frames' masks see their neighbours too,
    // and one more where the chunk holds a shot's first or last frame: the gate may need the frame past
    // the window there (UnetSegmentInput.further).
    const reach = unet ? half + 1 : half;
    const first = Math.max(shot.start, p.contextStart - (p.contextEnd >= shot.end ? reach : half));
    const last = Math.min(shot.end, p.contextEnd + (p.contextStart <= shot.start ? reach : half));
    // The learned segmenter reads luma: each frame is converted once, in a compute thread, as it arrives,
    // and its samples are not kept (at 4K, five 16-bit RGB frames are 380 MB). The spike detector keeps them.
    const window: Slot[] = [];
    // One frame more than there are threads: a thread that finishes finds the next frame queued, and the
    // next frame is decoded while the threads work. (The spike detector's tasks each carry copies of three
    // frames' samples: it keeps one per thread.)
    const inFlight = new InFlight(unet ? pool.size + 1 : pool.size);
    const stillWanted = () => assertReelActive(ctx.reels, p.reelId);
    let damaged = 0;

    const near = (cur: Slot, k: number) => window.find((f) => f.index === cur.index + k);
    const at = (cur: Slot, k: number) => near(cur, k)?.data ?? null;
    const detect = async (cur: Slot) => {
      if (!unet) {
        if (!cur.data) throw new Error(`frame ${cur.index} was not kept for the spike detector`);
        return pool.run('segment-frame', {
          layout,
          prev: at(cur, -1),
          cur: cur.data,
          next: at(cur, 1),
          threshold: ctx.config.SPIKE_THRESHOLD,
          dilate: ctx.config.MASK_DILATE,
        }, [], ctx.signal);
      }
      const slots = Array.from({ length: 2 * half + 1 }, (_, k) => near(cur, k - half)?.luma ?? null);
      // Only a shot's first and last frames read the frames past the window (each is a copy to the thread).
      const atShotEnd = cur.index === shot.start || cur.index === shot.end - 1;
      const past = atShotEnd ? [near(cur, -half - 1)?.luma ?? null, near(cur, half + 1)?.luma ?? null] : [];
      const [lumas, further] = await Promise.all([Promise.all(slots), Promise.all(past)]);
      const input = { width: layout.width, height: layout.height, lumas, modelPath, ...settings };
      return pool.run('segment-frame-unet', atShotEnd ? { ...input, further: [further[0]!, further[1]!] } : input, [], ctx.signal);
    };

    let cellShare = 0;
    let segmented = 0;
    // What the temporal gate made of the network's regions: operators see how much it protected, and why.
    const verdicts: Partial<Record<GateVerdict, number>> = {};
    const done = new Set<number>();
    const segmentAt = async (i: number) => {
      const cur = window[i]!;
      done.add(cur.index);
      const result = await detect(cur);
      const { mask, damaged: n } = result;
      if (cur.index >= p.start && cur.index < p.end) damaged += n;
      // Only the learned segmenter reports these.
      const learned = result as { cellShare?: number; verdicts?: Partial<Record<GateVerdict, number>> | null };
      cellShare += learned.cellShare ?? 0;
      for (const [k, n] of Object.entries(learned.verdicts ?? {}) as [GateVerdict, number][]) verdicts[k] = (verdicts[k] ?? 0) + n;
      segmented++;
      await ctx.store.put(maskKeyForChunk(p.reelId, p, cur.index), await encodeMaskPng(mask, layout.width, layout.height), {
        contentType: 'image/png',
      });
    };

    const wanted = (f: number) => f >= p.contextStart && f < p.contextEnd;
    // A shot's first frame is segmented once the frame past its window has come too.
    const waits = (f: number) => reach > half && f === shot.start;
    // Where the chunk's time went besides the compute threads' work: waiting for decoded frames, and for a
    // free thread (logged with the chunk).
    let decodeWaitMs = 0;
    let computeWaitMs = 0;
    const timed = async (wait: Promise<void>) => {
      const t0 = performance.now();
      await wait;
      computeWaitMs += performance.now() - t0;
    };
    let asked = performance.now();
    for await (const frame of readSourceFrames(ctx.sources.storeOf(plan.source, ctx.store), plan, first, last, ctx.signal)) {
      decodeWaitMs += performance.now() - asked;
      if (unet) {
        // The samples are not needed here again: hand their buffer over instead of copying it (76 MB at 4K).
        const { data } = frame;
        const owned = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
        const luma = pool.run('frame-luma', { layout, frame: data }, owned ? [data.buffer as ArrayBuffer] : [], ctx.signal);
        // Awaited by the windows that read it; a failure surfaces there, not as an unhandled rejection.
        luma.catch(() => undefined);
        window.push({ index: frame.index, data: null, luma });
      } else window.push(frame);
      // A dispatched task holds its own references to its frames, so the window keeps only what the
      // next task reads (a shot's first and last frames read `reach` frames on their one side: within it).
      if (window.length > 2 * half + 1) window.splice(0, window.length - (2 * half + 1));
      // The frame `half` before this one now has all its neighbours: segment it. A shot's first frame
      // waits for one more (the frame past its window), `reach` before this one.
      const i = window.length - 1 - half;
      if (i >= 0 && !waits(window[i]!.index) && wanted(window[i]!.index)) await timed(inFlight.add(segmentAt(i), stillWanted));
      const start = window.length - 1 - reach;
      if (start >= 0 && waits(window[start]!.index) && wanted(shot.start)) await timed(inFlight.add(segmentAt(start), stillWanted));
      asked = performance.now();
    }
    // The last frames of the range have no later neighbours to wait for (nor a shot's first frame, in a
    // shot too short to hold the frame past its window).
    for (let i = 0; i < window.length; i++) {
      if (!done.has(window[i]!.index) && wanted(window[i]!.index)) await timed(inFlight.add(segmentAt(i)));
    }
    await timed(inFlight.drain());

    const frames = p.end - p.start;
    const ms = Date.now() - started;
    // How much of the picture the network saw explains the chunk's time: operators tuning UNET_CASCADE_*
    // read it here.
    ctx.log.info(
      {
        segmenter: ctx.config.SEGMENTER,
        frames,
        masks: segmented,
        damagedPixels: damaged,
        ms,
        decodeWaitMs: Math.round(decodeWaitMs),
        computeWaitMs: Math.round(computeWaitMs),
        ...(unet ? { networkCellShare: segmented ? cellShare / segmented : 0, gateVerdicts: verdicts } : {}),
      },
      'chunk segmented',
    );
    await ctx.reels.addProgress(p.reelId, 'segment', p, frames, ms, damaged);
    // Not awaited: it never throws, and the chunk does not wait for the receiver.
    void notifyReelProgress(ctx, p.reelId);
    return { frames, pixels: frames * plan.media.layout.width * plan.media.layout.height, damagedPixels: damaged, ms };
  };
}
