import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@reelrestore/shared/config';
import type { Frame } from '@reelrestore/shared/frames/types';
import { defaultSegmentModelPath, unetSettings } from '@reelrestore/shared/restore/unet-segment';
import { makeSyntheticClip } from '@reelrestore/shared/synthetic/synthetic-clip';
import { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import { SharedBuffers } from '@reelrestore/shared/workers/shared-buffers';
import { framesToDecode, lumaBuffers, segmentFrames, type Detector } from './segment-frames.js';

describe('framesToDecode', () => {
  const unet: Detector = { kind: 'unet', modelPath: '', settings: unetSettings(loadConfig({}), 640) };
  const spike: Detector = { kind: 'spike', threshold: 0.1, dilate: 1 };
  const shot = { start: 100, end: 200 };

  it('reads the window’s half each side of the wanted frames, inside the shot', () => {
    expect(framesToDecode(unet, shot, { start: 130, end: 160 })).toEqual({ start: 128, end: 162 });
    expect(framesToDecode(spike, shot, { start: 130, end: 160 })).toEqual({ start: 129, end: 161 });
    expect(framesToDecode(unet, shot, { start: 101, end: 199 })).toEqual({ start: 100, end: 200 });
  });

  it('reads the frame past the window of a shot’s first or last frame (the gate’s further witness)', () => {
    // A chunk of a few frames or more reads it anyway.
    expect(framesToDecode(unet, shot, { start: 100, end: 130 })).toEqual({ start: 100, end: 132 });
    expect(framesToDecode(unet, shot, { start: 170, end: 200 })).toEqual({ start: 168, end: 200 });
    // A chunk of one frame at a shot's start or end reads three past it, not two.
    expect(framesToDecode(unet, shot, { start: 100, end: 101 })).toEqual({ start: 100, end: 104 });
    expect(framesToDecode(unet, shot, { start: 199, end: 200 })).toEqual({ start: 196, end: 200 });
    // A shot shorter than that holds what there is; the spike detector reads one frame each side only.
    expect(framesToDecode(unet, { start: 100, end: 102 }, { start: 100, end: 102 })).toEqual({ start: 100, end: 102 });
    expect(framesToDecode(spike, shot, { start: 100, end: 101 })).toEqual({ start: 100, end: 102 });
  });
});

describe('segmentFrames', () => {
  const pool = new ComputePool(2);
  afterAll(() => pool.close());

  const clip = makeSyntheticClip({ width: 160, height: 120, frames: 12, channels: 3, bits: 16, seed: 7, grainSigma: 0.01, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  const detector: Detector = { kind: 'unet', modelPath: defaultSegmentModelPath(), settings: unetSettings(loadConfig({}), clip.layout.width) };
  const shot = { start: 0, end: 12 };
  const wanted = { start: 3, end: 10 };

  /** The masks of the wanted frames, by frame; the frames copied afresh (the loop hands their buffers over). */
  async function masks(buffers?: ReturnType<typeof lumaBuffers>): Promise<Map<number, Uint8Array>> {
    const span = framesToDecode(detector, shot, wanted);
    async function* decoded(): AsyncGenerator<Frame> {
      for (let i = span.start; i < span.end; i++) yield { index: i, data: clip.damaged[i]!.slice() };
    }
    const out = new Map<number, Uint8Array>();
    await segmentFrames(pool, decoded(), { layout: clip.layout, detector, shot, wanted, ...(buffers ? { lumaBuffers: buffers } : {}) }, async (f) => {
      expect(out.has(f.index)).toBe(false);
      out.set(f.index, f.mask);
    });
    return out;
  }

  it('segments each wanted frame once, and finds the planted damage', async () => {
    const got = await masks();
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    let found = 0;
    let planted = 0;
    for (const [i, mask] of got) {
      const truth = clip.masks[i]!;
      for (let p = 0; p < truth.length; p++) {
        if (!truth[p]) continue;
        planted++;
        if (mask[p]) found++;
      }
    }
    expect(planted).toBeGreaterThan(0);
    expect(found / planted).toBeGreaterThan(0.5);
  });

  it('makes the same masks when lumas are written over buffers earlier frames and chunks used', async () => {
    const fresh = await masks();
    const buffers = lumaBuffers(pool);
    const first = await masks(buffers);
    // Every buffer came back once nothing read it (at least a window's worth were in use at once)...
    const made = buffers.allocated;
    expect(made).toBeGreaterThanOrEqual(5);
    expect(buffers.held).toBe(made);
    // ...and the next chunk took them instead of new ones for most of its 11 frames.
    const second = await masks(buffers);
    expect(buffers.allocated - made).toBeLessThanOrEqual(11 - 5);
    expect(buffers.held).toBe(buffers.allocated);
    for (const [i, m] of fresh) {
      expect(Buffer.from(first.get(i)!).equals(Buffer.from(m))).toBe(true);
      expect(Buffer.from(second.get(i)!).equals(Buffer.from(m))).toBe(true);
    }
  });
});

describe('segmentFrames with the spike detector', () => {
  const pool = new ComputePool(2);
  afterAll(() => pool.close());

  it('segments each wanted frame once from its three frames, and finds the planted specks', async () => {
    const clip = makeSyntheticClip({ width: 96, height: 64, frames: 8, channels: 1, bits: 8, seed: 3, grainSigma: 0.005, damage: { specksPerFrame: 3, minRadius: 3, maxRadius: 4 } });
    const detector: Detector = { kind: 'spike', threshold: 0.1, dilate: 0 };
    const shot = { start: 0, end: 8 };
    const wanted = { start: 0, end: 8 };
    const span = framesToDecode(detector, shot, wanted);
    async function* decoded(): AsyncGenerator<Frame> {
      for (let i = span.start; i < span.end; i++) yield { index: i, data: clip.damaged[i]! };
    }
    const found = new Map<number, number>();
    await segmentFrames(pool, decoded(), { layout: clip.layout, detector, shot, wanted }, async (f) => {
      expect(found.has(f.index)).toBe(false);
      let hit = 0;
      clip.masks[f.index]!.forEach((t, p) => (hit += t && f.mask[p] ? 1 : 0));
      found.set(f.index, hit);
    });
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The middle frames have both neighbours to tell the specks by.
    for (let i = 1; i < 7; i++) expect(found.get(i)).toBeGreaterThan(0);
  });
});

/**
 * A stand-in for the compute pool that knows which shared buffers its tasks are using, for as long as a
 * real thread would: a task aborted mid-way rejects at once but goes on reading until its delay is over,
 * as ComputePool's running tasks do until their next cancellation point.
 */
class WatchingPool {
  readonly size = 2;
  readonly inUse = new Map<ArrayBufferLike, number>();
  private readonly running = new Set<Promise<void>>();
  private seed = 12345;

  /** Milliseconds, drawn from a fixed sequence: lumas quick, windows slow and uneven, as in a worker. */
  private delay(task: string): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return task === 'frame-luma' ? this.seed % 3 : 5 + (this.seed % 20);
  }

  run(task: string, args: { lumas?: (Float32Array | null)[]; further?: (Float32Array | null)[]; into?: SharedArrayBuffer; layout?: { width: number; height: number } }, _transfer: unknown, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new Error('aborted'));
    const buffers = task === 'frame-luma' ? [args.into!] : [...(args.lumas ?? []), ...(args.further ?? [])].filter((l): l is Float32Array => l !== null).map((l) => l.buffer);
    for (const b of buffers) this.inUse.set(b, (this.inUse.get(b) ?? 0) + 1);
    const work = new Promise<void>((r) => setTimeout(r, this.delay(task))).then(() => {
      for (const b of buffers) this.inUse.set(b, this.inUse.get(b)! - 1 || 0);
      for (const b of buffers) if (!this.inUse.get(b)) this.inUse.delete(b);
    });
    this.running.add(work);
    void work.then(() => this.running.delete(work));
    const result = work.then(() =>
      task === 'frame-luma'
        ? new Float32Array(args.into!, 0, args.layout!.width * args.layout!.height)
        : { mask: new Uint8Array(4), damaged: 0, cellShare: 0, verdicts: null },
    );
    if (!signal) return result;
    return Promise.race([result, new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }))]);
  }

  /** Until every task has stopped using its buffers. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}

describe('segmentFrames’ luma buffers', () => {
  const layout = { width: 4, height: 4, channels: 1 as const, bits: 8 as const };
  const detector: Detector = { kind: 'unet', modelPath: 'none', settings: unetSettings(loadConfig({}), layout.width) };

  async function run(pool: WatchingPool, buffers: SharedBuffers, frames: number, abortAfter?: number): Promise<void> {
    const shot = { start: 0, end: frames };
    const controller = new AbortController();
    let masks = 0;
    async function* decoded(): AsyncGenerator<Frame> {
      for (let i = 0; i < frames; i++) yield { index: i, data: new Uint8Array(16) };
    }
    await segmentFrames(pool as unknown as ComputePool, decoded(), { layout, detector, shot, wanted: shot, lumaBuffers: buffers, signal: controller.signal }, async () => {
      if (++masks === abortAfter) controller.abort();
    });
  }

  it('never hands a buffer out again while a task still uses it, aborted tasks included', async () => {
    const pool = new WatchingPool();
    const given: string[] = [];
    const buffers = new SharedBuffers(100);
    const give = buffers.give.bind(buffers);
    buffers.give = (b) => {
      if (pool.inUse.has(b)) given.push('a buffer in use');
      give(b);
    };
    await run(pool, buffers, 40);
    expect(buffers.held).toBe(buffers.allocated);
    await expect(run(pool, buffers, 40, 12)).rejects.toThrow('aborted');
    await pool.idle();
    expect(given).toEqual([]);
    // Buffers that aborted tasks read are let go, not given back.
    expect(buffers.held).toBeLessThan(buffers.allocated);
  });
});
