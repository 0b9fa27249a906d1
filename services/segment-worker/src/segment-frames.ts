import type { Frame, FrameLayout } from '@reelrestore/shared/frames/types';
import { lumaBufferBytes } from '@reelrestore/shared/restore/luma-levels';
import { cascadeHalvings, UNET_WINDOW, type UnetSettings } from '@reelrestore/shared/restore/unet-segment';
import type { GateVerdict } from '@reelrestore/shared/restore/temporal-gate';
import type { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import { SharedBuffers } from '@reelrestore/shared/workers/shared-buffers';
import { InFlight } from './in-flight.js';

/**
 * The segment stage's frame loop, apart from the job around it (segment-chunk.ts): frames arrive decoded,
 * in order, and each wanted frame's mask is handed on as soon as its window has been segmented. Frames are
 * kept only as long as the detector's window needs them: 3 frames for the spike detector, the model's
 * window (5) for the learned segmenter, which reads each frame's luma, converted once per frame in a
 * compute thread as the frame arrives (with the reduced planes all its windows read, luma-levels.ts).
 * The bench's segment_worker stage times this same loop (without the decoding and the masks' storage
 * around it).
 */
export type Detector =
  | { kind: 'spike'; threshold: number; dilate: number }
  | { kind: 'unet'; modelPath: string; settings: UnetSettings };

/** Frames [start, end). */
export interface FrameSpan {
  start: number;
  end: number;
}

export interface SegmentedFrame {
  index: number;
  mask: Uint8Array;
  damaged: number;
  /** Learned segmenter only: the share of the frame's cells the cascade sent to the network. */
  cellShare?: number;
  /** Learned segmenter only: what the temporal gate made of the network's regions. */
  verdicts?: Partial<Record<GateVerdict, number>> | null;
}

export interface SegmentFramesOptions {
  layout: FrameLayout;
  detector: Detector;
  /** The shot the frames belong to: windows never reach past it. */
  shot: FrameSpan;
  /** The frames whose masks are wanted (a chunk's frames and its context frames). */
  wanted: FrameSpan;
  signal?: AbortSignal;
  /** Run whenever the loop waits for a free thread: a cancel check (it throws to stop). */
  between?: () => Promise<void>;
  /**
   * Where the learned segmenter's lumas are taken from and given back to once no task reads them: one per
   * worker, kept from chunk to chunk (lumaBuffers). Without, each frame's luma gets a new buffer.
   */
  lumaBuffers?: SharedBuffers;
}

/** A frame of the detector's window: its samples (spike detector) or its luma, being computed (learned). */
interface Slot {
  index: number;
  data: Frame['data'] | null;
  luma?: Promise<Float32Array>;
  /** The luma's buffer, taken from lumaBuffers, and the tasks that read it (it goes back once they are done). */
  buffer?: SharedArrayBuffer;
  readers: Promise<unknown>[];
}

/**
 * Luma buffers for one worker's segmentation, kept from chunk to chunk. A buffer is made only when none is
 * free, so the worker holds as many as a chunk had in use at once: the window's, and those of frames that
 * left it while tasks still read them (7 to 10 with two threads: 150 MB at 2K, 550 MB at 4K, held while
 * the worker idles, as glibc keeps freed heap under GLIBC_TUNABLES). The limit only bounds a chunk whose
 * tasks finish far out of order.
 */
export function lumaBuffers(pool: ComputePool): SharedBuffers {
  return new SharedBuffers(2 * (UNET_WINDOW + pool.size + 1));
}

/** Frames each side of a frame its window reads. */
function halfWindow(d: Detector): number {
  return d.kind === 'unet' ? UNET_WINDOW >> 1 : 1;
}

/**
 * Frames each side of frame `index` that its task reads: the learned segmenter's gate reads one past the
 * window at a shot's first and last frames (UnetSegmentInput.further).
 */
function readReach(d: Detector, shot: FrameSpan, index: number): number {
  return halfWindow(d) + (d.kind === 'unet' && (index === shot.start || index === shot.end - 1) ? 1 : 0);
}

/**
 * The frames to decode for the masks of `wanted` (inside the shot): every frame a wanted frame's task reads,
 * the window's half each side and, where `wanted` holds a shot's first or last frame, the frame past that
 * frame's window.
 */
export function framesToDecode(d: Detector, shot: FrameSpan, wanted: FrameSpan): FrameSpan {
  const half = halfWindow(d);
  let start = Math.max(shot.start, wanted.start - half);
  let end = Math.min(shot.end, wanted.end + half);
  if (wanted.start <= shot.start) end = Math.max(end, Math.min(shot.end, shot.start + readReach(d, shot, shot.start) + 1));
  if (wanted.end >= shot.end) start = Math.min(start, Math.max(shot.start, shot.end - 1 - readReach(d, shot, shot.end - 1)));
  return { start, end };
}

/**
 * Segments the wanted frames among `frames` (those framesToDecode names, in order), calling `onMask` for
 * each as its mask is made (in no particular order; awaited before the frame's task counts as done).
 * Returns where the time went besides the compute threads' work: waiting for decoded frames, and for a
 * free thread.
 */
export async function segmentFrames(
  pool: ComputePool,
  frames: AsyncIterable<Frame>,
  o: SegmentFramesOptions,
  onMask: (frame: SegmentedFrame) => Promise<void>,
): Promise<{ decodeWaitMs: number; computeWaitMs: number }> {
  const { layout, detector, shot, signal } = o;
  const unet = detector.kind === 'unet';
  const half = halfWindow(detector);
  // What a shot's first and last frames read: one past the window for the learned segmenter.
  const reach = readReach(detector, shot, shot.start);
  const window: Slot[] = [];
  // One frame more than there are threads: a thread that finishes finds the next frame queued, and the
  // next frame is decoded while the threads work. (The spike detector's tasks each carry copies of three
  // frames' samples: it keeps one per thread.)
  const inFlight = new InFlight(unet ? pool.size + 1 : pool.size);

  const near = (cur: Slot, k: number) => window.find((f) => f.index === cur.index + k);
  const at = (cur: Slot, k: number) => near(cur, k)?.data ?? null;
  const detect = async (cur: Slot): Promise<Omit<SegmentedFrame, 'index'>> => {
    if (detector.kind === 'spike') {
      if (!cur.data) throw new Error(`frame ${cur.index} was not kept for the spike detector`);
      const { threshold, dilate } = detector;
      return pool.run('segment-frame', { layout, prev: at(cur, -1), cur: cur.data, next: at(cur, 1), threshold, dilate }, [], signal);
    }
    const slots = Array.from({ length: 2 * half + 1 }, (_, k) => near(cur, k - half)?.luma ?? null);
    // Only a shot's first and last frames read the frames past the window.
    const atShotEnd = readReach(detector, shot, cur.index) > half;
    const past = atShotEnd ? [near(cur, -half - 1)?.luma ?? null, near(cur, half + 1)?.luma ?? null] : [];
    const [lumas, further] = await Promise.all([Promise.all(slots), Promise.all(past)]);
    const input = { width: layout.width, height: layout.height, lumas, modelPath: detector.modelPath, ...detector.settings };
    return pool.run('segment-frame-unet', atShotEnd ? { ...input, further: [further[0]!, further[1]!] } : input, [], signal);
  };

  const done = new Set<number>();
  const segmentAt = async (i: number) => {
    const cur = window[i]!;
    done.add(cur.index);
    const task = detect(cur);
    // detect took its frames from the window before its first await: each now knows this task reads it.
    const reads = readReach(detector, shot, cur.index);
    for (const s of window) if (Math.abs(s.index - cur.index) <= reads) s.readers.push(task);
    await onMask({ index: cur.index, ...(await task) });
  };
  // A luma's buffer goes back once its frame has left the window (no task will read it) and every task that
  // did has finished. Not after a failure: an aborted task's thread may still be reading it. The loop
  // returns once all are back, so the next chunk finds them.
  const retiring: Promise<void>[] = [];
  const retire = (s: Slot) => {
    const { buffer } = s;
    if (!buffer || !o.lumaBuffers) return;
    const buffers = o.lumaBuffers;
    retiring.push(
      Promise.all([s.luma, ...s.readers]).then(
        () => buffers.give(buffer),
        () => undefined,
      ),
    );
  };

  const wanted = (f: number) => f >= o.wanted.start && f < o.wanted.end;
  // A shot's first frame is segmented once the frame past its window has come too.
  const waits = (f: number) => reach > half && f === shot.start;
  let decodeWaitMs = 0;
  let computeWaitMs = 0;
  const timed = async (wait: Promise<void>) => {
    const t0 = performance.now();
    await wait;
    computeWaitMs += performance.now() - t0;
  };
  let asked = performance.now();
  for await (const frame of frames) {
    decodeWaitMs += performance.now() - asked;
    if (unet) {
      // The samples are not needed here again: hand their buffer over instead of copying it (76 MB at 4K).
      const { data } = frame;
      const owned = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
      const buffer = o.lumaBuffers?.take(lumaBufferBytes(layout.width, layout.height, cascadeHalvings(layout.width)));
      const luma = pool.run('frame-luma', { layout, frame: data, ...(buffer ? { into: buffer } : {}) }, owned ? [data.buffer as ArrayBuffer] : [], signal);
      // Awaited by the windows that read it; a failure surfaces there, not as an unhandled rejection.
      luma.catch(() => undefined);
      window.push({ index: frame.index, data: null, luma, ...(buffer ? { buffer } : {}), readers: [] });
    } else window.push({ ...frame, readers: [] });
    // The window keeps only what the next task reads (a shot's first and last frames read `reach` frames on
    // their one side: within it); a frame that leaves it keeps its luma's buffer until the tasks that read
    // it are done (retire).
    if (window.length > 2 * half + 1) for (const s of window.splice(0, window.length - (2 * half + 1))) retire(s);
    // The frame `half` before this one now has all its neighbours: segment it. A shot's first frame
    // waits for one more (the frame past its window), `reach` before this one.
    const i = window.length - 1 - half;
    if (i >= 0 && !waits(window[i]!.index) && wanted(window[i]!.index)) await timed(inFlight.add(segmentAt(i), o.between));
    const start = window.length - 1 - reach;
    if (start >= 0 && waits(window[start]!.index) && wanted(shot.start)) await timed(inFlight.add(segmentAt(start), o.between));
    asked = performance.now();
  }
  // The last frames of the range have no later neighbours to wait for (nor a shot's first frame, in a
  // shot too short to hold the frame past its window).
  for (let i = 0; i < window.length; i++) {
    if (!done.has(window[i]!.index) && wanted(window[i]!.index)) await timed(inFlight.add(segmentAt(i)));
  }
  await timed(inFlight.drain());
  for (const s of window) retire(s);
  await Promise.all(retiring);
  return { decodeWaitMs, computeWaitMs };
}
