import { describe, expect, it } from 'vitest';
import { downscale2, downscaleMask2, toLuma } from './luma.js';

describe('toLuma', () => {
  it('normalises grey at both depths', () => {
    expect(Array.from(toLuma(new Uint8Array([0, 255, 51]), { width: 3, height: 1, channels: 1, bits: 8 }))).toEqual([
      0,
      1,
      expect.closeTo(0.2, 6),
    ]);
    const l16 = toLuma(new Uint16Array([65535, 0]), { width: 2, height: 1, channels: 1, bits: 16 });
    expect(l16[0]).toBeCloseTo(1, 6);
    expect(l16[1]).toBe(0);
  });

  it('uses Rec.709 weights for RGB', () => {
    const l = toLuma(new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]), {
      width: 4,
      height: 1,
      channels: 3,
      bits: 8,
    });
    expect(l[0]).toBeCloseTo(0.2126, 5);
    expect(l[1]).toBeCloseTo(0.7152, 5);
    expect(l[2]).toBeCloseTo(0.0722, 5);
    expect(l[3]).toBeCloseTo(1, 5);
  });
});

describe('pyramid helpers', () => {
  it('box-averages and keeps masked pixels masked', () => {
    const img = new Float32Array([1, 3, 5, 7, 1, 3, 5, 7, 0, 0, 0, 0]);
    const d = downscale2(img, 4, 3);
    expect(d.width).toBe(2);
    expect(d.height).toBe(1);
    expect(Array.from(d.data)).toEqual([2, 6]);
    const m = downscaleMask2(new Uint8Array([0, 0, 0, 255, 0, 0, 0, 0]), 4, 2);
    expect(Array.from(m)).toEqual([0, 255]);
  });
});
