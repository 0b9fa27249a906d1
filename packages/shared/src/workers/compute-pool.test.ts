import { afterAll, describe, expect, it } from 'vitest';
import { toLuma } from '../restore/luma.js';
import { makeSyntheticClip } from '../synthetic/synthetic-clip.js';
import { ComputePool } from './compute-pool.js';

/** The learned segmenter over a whole window, without the cascade. */
const unetOver = (width: number, height: number, lumas: Float32Array[]) => ({
  width,
  height,
  lumas,
  modelPath: new URL('../../../../models/segment-unet/model.onnx', import.meta.url).pathname,
  threshold: 0.5,
  lowThreshold: 0.3,
  dilate: 0,
  tile: 256,
  overlap: 64,
  cascade: null,
});

describe('ComputePool', () => {
  const pool = new ComputePool(2);
  afterAll(() => pool.close());

  it('computes a frame luma in a thread, in shared memory, and the segmenter reads it from there', async () => {
    const clip = makeSyntheticClip({ width: 96, height: 64, frames: 5, channels: 3, bits: 16, seed: 4, grainSigma: 0.01, damage: { specksPerFrame: 2, minRadius: 3, maxRadius: 4 } });
    const lumas = await Promise.all(clip.damaged.map((frame) => pool.run('frame-luma', { layout: clip.layout, frame })));
    for (const [i, l] of lumas.entries()) {
      // Shared, so the five windows each frame sits in do not copy it again.
      expect(l.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect([...l]).toEqual([...toLuma(clip.damaged[i]!, clip.layout)]);
    }
    const { mask, damaged } = await pool.run('segment-frame-unet', unetOver(96, 64, lumas));
    expect(mask).toHaveLength(96 * 64);
    expect(damaged).toBeGreaterThan(0);
  });

  it('stops a running task when its signal aborts (the reel was cancelled), and the thread serves the next one once the task stopped between tiles', { timeout: 60_000 }, async () => {
    // The learned segmenter over a whole 2048x2048 window, no cascade (the network reads it at 1024x1024):
    // about a second of work on one thread.
    const side = 2048;
    const lumas = Array.from({ length: 5 }, () => Float32Array.from({ length: side * side }, (_, i) => (i % 97) / 97));
    const args = unetOver(side, side, lumas);
    const full = Date.now();
    await pool.run('segment-frame-unet', args);
    const fullMs = Date.now() - full;

    const cancel = new AbortController();
    const started = Date.now();
    const running = pool.run('segment-frame-unet', args, [], cancel.signal);
    setTimeout(() => cancel.abort(new Error('reel cancelled')), 200);
    await expect(running).rejects.toThrow('reel cancelled');
    // It stopped at the abort, not when the frame was done.
    expect(Date.now() - started).toBeLessThan(Math.max(1_000, fullMs / 2));
    // A task already aborted never starts; the pool goes on serving.
    await expect(pool.run('frame-luma', { layout: { width: 1, height: 1, channels: 1, bits: 8 }, frame: Uint8Array.from([0]) }, [], AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    const ok = await pool.run('frame-luma', { layout: { width: 2, height: 1, channels: 1, bits: 8 }, frame: Uint8Array.from([0, 255]) });
    expect([...ok]).toEqual([0, 1]);
  });

  it('rejects a task whose arguments are wrong, and keeps serving the next one', async () => {
    const layout = { width: 4, height: 1, channels: 1 as const, bits: 8 as const };
    await expect(pool.run('frame-luma', { layout, frame: new Uint8Array(2) })).rejects.toThrow();
    const ok = await pool.run('frame-luma', { layout, frame: Uint8Array.from([0, 51, 102, 255]) });
    expect([...ok]).toEqual([0, 0.2, 0.4, 1].map((v) => Math.fround(v)));
  });
});
