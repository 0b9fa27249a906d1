/**
 * One benchmark stage in its own process, so its peak resident memory is its own. Reads raw frames
 * (and true masks) from files written by speed.ts, keeping only the window a worker would hold, times
 * the compute alone, and prints one JSON line: { frames, seconds, fps, peak_rss_mb }.
 *
 *   node --import tsx bench/stage-child.ts <segment|segment_unet|segment_worker|inpaint|inpaint_worker|end_to_end|tmedian> <dir> <w> <h> <channels> <bits> <total> <context>
 *
 * Frames [context, total − context) are the measured ones; the others are the context a chunk reads.
 */
import { openSync, readSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocFrame, bytesPerFrame, rawPixFmt, sharedFrame, type Frame, type FrameLayout, type Samples } from '@reelrestore/shared/frames/types';
import { ffmpegInput, spawnFfmpeg } from '@reelrestore/shared/frames/ffmpeg';
import { detectSpikesForFrame } from '@reelrestore/shared/restore/spike-detect';
import { medianFill } from '@reelrestore/shared/restore/median-fill';
import { SPIKE_THRESHOLD, MASK_DILATE } from './peers/spike-detector.js';
import { BENCH_UNET, detectFrameUnet, UNET_DILATE } from './peers/unet-detector.js';
import { dilateMask } from '@reelrestore/shared/restore/morphology';
import { toLuma } from '@reelrestore/shared/restore/luma';
import { unetSettings } from '@reelrestore/shared/restore/unet-segment';
import { modelRunner } from '@reelrestore/shared/workers/compute-tasks';
import { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import { TaskBatch } from '@reelrestore/shared/workers/task-batch';
import { defaultInpaintModelPath, diffusionSettings } from '@reelrestore/shared/restore/diffusion-fill';
import { configSchema } from '@reelrestore/shared/config';
import { availableParallelism } from 'node:os';
import { framesToDecode, lumaBuffers, segmentFrames } from '../services/segment-worker/src/segment-frames.js';

const [stage, dir, w, h, ch, bits, total, context] = process.argv.slice(2);
const layout: FrameLayout = {
  width: Number(w),
  height: Number(h),
  channels: Number(ch) === 3 ? 3 : 1,
  bits: Number(bits) === 16 ? 16 : 8,
};
const N = Number(total);
const K = Number(context);
/**
 * Windows each compute thread segments before segment_worker's clock starts, as whole untimed chunks of the
 * measured frames. A thread's first 2K windows run in code V8 has not optimised yet: one thread took 0.57,
 * 0.35, 0.25, 0.24 and 0.18 s on its first five, then about 0.18 s each (a quiet machine, 2026-12-03). A
 * worker pays that, and the growth of its heap to its working size, once per process, not per reel. One
 * window segmented over and over instead leaves the timed windows, the first others the threads see,
 * slower than a worker's later chunks (the model card's History, 2026-12-05).
 */
const WARM_WINDOWS = 5;
if (!stage || !dir || !(N > 2 * K)) throw new Error('usage: stage-child <stage> <dir> <w> <h> <channels> <bits> <total> <context>');
const framesPath = join(dir, 'frames.raw');
const masksPath = join(dir, 'masks.raw');
const pixels = layout.width * layout.height;

/** Frames on demand, holding only those asked for since the last `keep`. */
class FrameWindow {
  private fd = openSync(framesPath, 'r');
  private cache = new Map<number, Samples>();

  get(i: number): Samples {
    let f = this.cache.get(i);
    if (!f) {
      f = allocFrame(layout);
      readSync(this.fd, new Uint8Array(f.buffer, f.byteOffset, f.byteLength), 0, f.byteLength, i * bytesPerFrame(layout));
      this.cache.set(i, f);
    }
    return f;
  }

  keep(lo: number, hi: number): void {
    for (const k of this.cache.keys()) if (k < lo || k > hi) this.cache.delete(k);
  }
}

let masksFd: number | null = null;

/** True mask of frame i, read on demand: a worker holds only its window's masks. */
function trueMask(i: number): Uint8Array {
  masksFd ??= openSync(masksPath, 'r');
  const m = new Uint8Array(pixels);
  readSync(masksFd, m, 0, pixels, i * pixels);
  return m;
}

function detect(win: FrameWindow, t: number): Uint8Array {
  return detectSpikesForFrame({
    prev: t > 0 ? win.get(t - 1) : null,
    cur: win.get(t),
    next: t < N - 1 ? win.get(t + 1) : null,
    layout,
    threshold: SPIKE_THRESHOLD,
    dilate: MASK_DILATE,
  }).mask;
}

function fill(win: FrameWindow, t: number, maskOf: (i: number) => Uint8Array): void {
  const lo = Math.max(0, t - K);
  const hi = Math.min(N - 1, t + K);
  const frames: Samples[] = [];
  const masks: Uint8Array[] = [];
  for (let i = lo; i <= hi; i++) {
    frames.push(win.get(i));
    masks.push(maskOf(i));
  }
  medianFill({ frames, center: t - lo, masks, layout });
}

/** Peak resident set of a live process in kB, from /proc (Linux); 0 where there is no /proc. */
function vmHwmKb(pid: string): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function tmedian(): Promise<{ seconds: number; peakKb: number }> {
  const t0 = performance.now();
  const p = spawnFfmpeg([
    '-threads', '1', '-filter_threads', '1',
    '-f', 'rawvideo', '-pix_fmt', rawPixFmt(layout), '-s', `${layout.width}x${layout.height}`, '-r', '24', '-i', ffmpegInput(framesPath),
    '-frames:v', String(N), '-vf', 'tmedian=radius=1', '-f', 'rawvideo', '-y', '/dev/null',
  ]);
  // ffmpeg is not this process: its peak is sampled from /proc while it runs.
  let peakKb = 0;
  const poll = setInterval(() => {
    // Once ffmpeg is gone the read fails and returns 0: the last sample stands.
    peakKb = Math.max(peakKb, vmHwmKb(String(p.child.pid)));
  }, 20);
  try {
    await p.done;
  } finally {
    clearInterval(poll);
  }
  return { seconds: (performance.now() - t0) / 1000, peakKb };
}

async function main(): Promise<void> {
  const measured = N - 2 * K;
  let seconds = 0;
  let peakKb = 0;
  const win = new FrameWindow();
  if (stage === 'segment') {
    for (let t = K; t < N - K; t++) {
      const t0 = performance.now();
      detect(win, t);
      seconds += (performance.now() - t0) / 1000;
      win.keep(t, t + 1);
    }
  } else if (stage === 'segment_unet') {
    // The learned detector reads ±2 frames; the model loads once, untimed, like a warm worker.
    // Each frame's luma is computed once, as the worker does, and timed once: the frames ahead of the
    // first measured window belong to the previous chunk's work and are converted untimed.
    const run = await modelRunner(BENCH_UNET.modelPath);
    const lumas = new Map<number, Float32Array>();
    const lumaOf = (i: number): Float32Array | null => {
      if (i < 0 || i >= N) return null;
      let l = lumas.get(i);
      if (!l) {
        l = toLuma(win.get(i), layout);
        lumas.set(i, l);
      }
      return l;
    };
    for (let i = K - 2; i <= K + 1; i++) lumaOf(i);
    for (let t = K; t < N - K; t++) {
      const t0 = performance.now();
      const window = [t - 2, t - 1, t, t + 1, t + 2].map(lumaOf);
      const mask = await detectFrameUnet(window, layout, run);
      dilateMask(mask, layout.width, layout.height, UNET_DILATE, 'disc');
      seconds += (performance.now() - t0) / 1000;
      lumas.delete(t - 2);
      win.keep(t - 1, t + 3);
    }
  } else if (stage === 'segment_worker') {
    // As the segment worker does it, one compute thread per core: the measured frames taken as a worker's
    // chunk takes them, read in order (as decoded) and segmented by the worker's own loop (segment-frames.ts),
    // each frame's luma made as it arrives, windows dispatched as they fill; the masks are not stored (the
    // bench times compute). Wall-clock time of that chunk after the same chunk has gone through untimed
    // until every thread has segmented WARM_WINDOWS windows, like a worker some way into a reel: the model
    // loaded, the gate's and the cascade's code compiled, its luma buffers at hand (lumaBuffers).
    const pool = new ComputePool(availableParallelism());
    // The pool's threads do not hold the process open (a worker service has its Redis connection for that).
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      const detector = { kind: 'unet' as const, modelPath: BENCH_UNET.modelPath, settings: unetSettings(BENCH_UNET.config, layout.width) };
      const shot = { start: 0, end: N };
      const wanted = { start: K, end: N - K };
      const span = framesToDecode(detector, shot, wanted);
      const buffers = lumaBuffers(pool);
      async function* decoded(): AsyncGenerator<Frame> {
        for (let i = span.start; i < span.end; i++) {
          // The worker's loop hands each frame's buffer to a thread: read afresh every time.
          yield { index: i, data: win.get(i) };
          win.keep(-1, -1);
        }
      }
      const chunk = () => segmentFrames(pool, decoded(), { layout, detector, shot, wanted, lumaBuffers: buffers }, async () => undefined);
      for (let warm = 0; warm < WARM_WINDOWS * pool.size; warm += measured) await chunk();
      const t0 = performance.now();
      await chunk();
      seconds = (performance.now() - t0) / 1000;
    } finally {
      clearInterval(keepAlive);
      await pool.close();
    }
  } else if (stage === 'inpaint_worker') {
    // The learned inpainter as the inpaint worker runs it: one task per frame through the compute pool, one
    // thread per core and at most that many frames in flight, wall clock after every thread has loaded
    // the model (untimed, like a warm worker). True masks, as the median's inpaint stage gets.
    const pool = new ComputePool(availableParallelism());
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      const model = { modelPath: defaultInpaintModelPath(), device: 'cpu' as const, ...diffusionSettings(configSchema.parse({})) };
      // As the worker does: each frame copied once into shared memory, which every window task then shares.
      const sharedFrames = new Map<number, Samples>();
      const shared = (i: number): Samples => {
        let f = sharedFrames.get(i);
        if (!f) {
          f = sharedFrame(win.get(i));
          sharedFrames.set(i, f);
        }
        return f;
      };
      const task = (t: number) => {
        const lo = Math.max(0, t - K);
        const hi = Math.min(N - 1, t + K);
        const frames: Samples[] = [];
        const masks: Uint8Array[] = [];
        for (let i = lo; i <= hi; i++) {
          frames.push(shared(i));
          masks.push(trueMask(i));
        }
        return pool.run('inpaint-frame-diffusion', { layout, frames, masks, center: t - lo, frameNumber: t, ...model });
      };
      await Promise.all(Array.from({ length: pool.size }, () => task(K)));
      const t0 = performance.now();
      const batch = new TaskBatch(pool.size);
      for (let t = K; t < N - K; t++) {
        await batch.add(task(t));
        win.keep(-1, -1);
        for (const i of sharedFrames.keys()) if (i < t + 1 - K - pool.size) sharedFrames.delete(i);
      }
      await batch.drain();
      seconds = (performance.now() - t0) / 1000;
    } finally {
      clearInterval(keepAlive);
      await pool.close();
    }
  } else if (stage === 'inpaint') {
    for (let t = K; t < N - K; t++) {
      const t0 = performance.now();
      fill(win, t, trueMask);
      seconds += (performance.now() - t0) / 1000;
      win.keep(t + 1 - K, t + 1 + K);
    }
  } else if (stage === 'end_to_end') {
    // Steady state of a worker streaming a shot: every frame is detected once and filled once. Masks
    // of the leading context are computed untimed (they belong to the previous chunk's work).
    const masks = new Map<number, Uint8Array>();
    for (let i = 0; i < K; i++) masks.set(i, detect(win, i));
    for (let t = K; t < N - K; t++) {
      const t0 = performance.now();
      // The window of t needs masks up to t + K; each new one is one detection, context at the end untimed.
      for (let i = t; i <= t + K; i++) {
        if (masks.has(i)) continue;
        const d0 = performance.now();
        masks.set(i, detect(win, i));
        if (i >= N - K) seconds -= (performance.now() - d0) / 1000;
      }
      fill(win, t, (i) => masks.get(i)!);
      seconds += (performance.now() - t0) / 1000;
      masks.delete(t - K);
      win.keep(t + 1 - K, t + 1 + K + 1);
    }
  } else if (stage === 'tmedian') {
    const r = await tmedian();
    seconds = r.seconds;
    peakKb = r.peakKb;
  } else {
    throw new Error(`unknown stage ${stage}`);
  }
  const frames = stage === 'tmedian' ? N : measured;
  // VmHWM, not getrusage's maxRSS: Linux carries maxRSS across fork + exec, so it would report the
  // parent's size at spawn time rather than this process's own peak.
  if (stage !== 'tmedian') peakKb = vmHwmKb('self') || process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ frames, seconds, fps: frames / seconds, peak_rss_mb: peakKb / 1024 }) + '\n');
}

await main();
