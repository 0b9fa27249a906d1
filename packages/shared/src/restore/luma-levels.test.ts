import { describe, expect, it } from 'vitest';
import type { FrameLayout } from '../frames/types.js';
import { shrink } from './align-window.js';
import { cascadePlane } from './damage-candidates.js';
import { toLuma } from './luma.js';
import { computeLevels, lumaBufferBytes, sharedLumaWithLevels, storedLevels, windowLevels } from './luma-levels.js';

// Wide enough to be halved twice for motion (to at most 640 px), like a 2K scan.
const layout: FrameLayout = { width: 1400, height: 90, channels: 3, bits: 16 };
const W = layout.width;
const H = layout.height;
const frame = Uint16Array.from({ length: W * H * 3 }, (_, i) => (i * 7919 + (i >> 5) * 104729) % 65536);

describe('sharedLumaWithLevels', () => {
  it('is the frame’s luma, and its buffer carries the levels computeLevels makes', () => {
    const luma = sharedLumaWithLevels(frame, layout, 1);
    expect(luma.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(luma).toEqual(toLuma(frame, layout));
    const stored = storedLevels(luma, W, H, 1)!;
    const made = computeLevels(toLuma(frame, layout), W, H, 1);
    expect(stored.cascade).toEqual(cascadePlane(luma, W, H, 1));
    expect(stored.cascade).toEqual(made.cascade);
    expect(stored.motion).toEqual(made.motion);
    expect(stored.motion).toEqual(shrink(luma, W, H));
  });

  it('finds the levels in a luma passed to another thread (a view of the same shared buffer)', () => {
    const luma = sharedLumaWithLevels(frame, layout, 1);
    const passed = structuredClone(luma);
    expect(passed).not.toBe(luma);
    expect(storedLevels(passed, W, H, 1)!.cascade!.buffer).toBe(passed.buffer);
  });

  it('stores what other halvings need, and says so', () => {
    for (const halvings of [0, 2]) {
      const luma = sharedLumaWithLevels(frame, layout, halvings);
      const stored = storedLevels(luma, W, H, halvings)!;
      expect(stored.cascade).toEqual(cascadePlane(luma, W, H, halvings));
      expect(stored.motion).toEqual(shrink(luma, W, H));
      expect(storedLevels(luma, W, H, 1)).toBeNull();
    }
  });

  it('writes over a buffer it is given, whatever it held, exactly as into a new one', () => {
    for (const halvings of [0, 1, 2]) {
      const fresh = sharedLumaWithLevels(frame, layout, halvings);
      const used = new SharedArrayBuffer(lumaBufferBytes(W, H, halvings));
      // A buffer another frame used: every byte taken.
      new Float32Array(used).fill(0.37);
      const luma = sharedLumaWithLevels(frame, layout, halvings, used);
      expect(luma.buffer).toBe(used);
      expect(Buffer.from(used).equals(Buffer.from(fresh.buffer))).toBe(true);
    }
    expect(() => sharedLumaWithLevels(frame, layout, 1, new SharedArrayBuffer(64))).toThrow(RangeError);
  });

  it('finds nothing in a plain luma, a view into another buffer, or for other dimensions', () => {
    expect(storedLevels(toLuma(frame, layout), W, H, 1)).toBeNull();
    const luma = sharedLumaWithLevels(frame, layout, 1);
    expect(storedLevels(luma, H, W, 1)).toBeNull();
    expect(storedLevels(new Float32Array(luma.buffer, 4, W * H - 1), W, H, 1)).toBeNull();
  });
});

describe('windowLevels', () => {
  it('uses stored levels, computes the rest, and gives a frame in several slots one object', () => {
    const a = sharedLumaWithLevels(frame, layout, 1);
    const b = toLuma(frame, layout);
    const levels = windowLevels([null, a, b, b, null], W, H, 1, { cascade: true, motion: true });
    expect(levels[0]).toBeNull();
    expect(levels[1]!.cascade!.buffer).toBe(a.buffer);
    expect(levels[2]).toBe(levels[3]);
    expect(levels[2]!.cascade).toEqual(levels[1]!.cascade);
    expect(windowLevels([b], W, H, 1, { cascade: false, motion: true })[0]!.cascade).toBeNull();
  });
});
