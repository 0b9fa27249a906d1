import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../synthetic/synthetic-clip.js';
import { BadInputError } from '../errors.js';
import type { FrameLayout, Samples } from '../frames/types.js';
import { allocFrame } from '../frames/types.js';
import { applyPatches, decodePatches, encodePatches, tilesFromMask } from './patches.js';

function randomFrame(layout: FrameLayout, seed: number): Samples {
  const rand = mulberry32(seed);
  const f = allocFrame(layout);
  const max = layout.bits === 16 ? 65536 : 256;
  for (let i = 0; i < f.length; i++) f[i] = Math.floor(rand() * max);
  return f;
}

/** A frame repaired inside a few blobs of `mask` only. */
function scenario(layout: FrameLayout, seed: number): { original: Samples; repaired: Samples; mask: Uint8Array } {
  const { width: w, height: h, channels: C } = layout;
  const original = randomFrame(layout, seed);
  const replacement = randomFrame(layout, seed + 1);
  const repaired = original.slice();
  const mask = new Uint8Array(w * h);
  for (const [cx, cy, r] of [
    [10, 10, 4],
    [w - 3, h - 2, 3], // at the far corner: a partial edge tile
  ] as const) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        mask[y * w + x] = 255;
        for (let c = 0; c < C; c++) repaired[(y * w + x) * C + c] = replacement[(y * w + x) * C + c]!;
      }
    }
  }
  return { original, repaired, mask };
}

describe('patch files', () => {
  for (const layout of [
    { width: 70, height: 45, channels: 1, bits: 8 },
    { width: 70, height: 45, channels: 3, bits: 16 },
  ] as FrameLayout[]) {
    it(`round-trips tiles and applies them under the mask (${layout.channels}ch ${layout.bits}-bit)`, () => {
      const { original, repaired, mask } = scenario(layout, 3);
      const tiles = tilesFromMask(original, repaired, mask, layout, 32);
      // 70x45 in 32-px tiles is 3x2; the blobs touch the top-left and bottom-right tiles only.
      expect(tiles.map((t) => [t.x, t.y, t.w, t.h])).toEqual([
        [0, 0, 32, 32],
        [64, 32, 6, 13],
      ]);
      const buf = encodePatches(
        [
          { index: 12, tiles },
          { index: 13, tiles: [] },
        ],
        layout,
      );
      expect(buf.toString('ascii', 0, 4)).toBe('RRP1');
      const back = decodePatches(buf);
      expect(back.layout).toEqual(layout);
      expect(back.frames).toHaveLength(1);
      expect(back.frames[0]!.index).toBe(12);
      expect(back.frames[0]!.tiles).toEqual(tiles);

      const frame = original.slice();
      const written = applyPatches(frame, layout, back.frames[0]!.tiles, mask);
      expect(written).toBe(mask.filter((v) => v === 255).length);
      expect(frame).toEqual(repaired);
    });

    it(`never touches unmasked pixels, even with a wrong patch (${layout.channels}ch ${layout.bits}-bit)`, () => {
      const { original, mask } = scenario(layout, 8);
      const junk = allocFrame({ ...layout, width: 40, height: 30 }).fill(layout.bits === 16 ? 65535 : 255);
      const frame = original.slice();
      applyPatches(frame, layout, [{ x: 0, y: 0, w: 40, h: 30, data: junk }], mask);
      const C = layout.channels;
      for (let p = 0; p < mask.length; p++) {
        const x = p % 70;
        const y = Math.floor(p / 70);
        for (let c = 0; c < C; c++) {
          const want = mask[p] && x < 40 && y < 30 ? junk[0] : original[p * C + c];
          expect(frame[p * C + c]).toBe(want);
        }
      }
    });
  }

  it('skips tiles whose masked pixels did not change, and keeps unmasked values original', () => {
    const layout: FrameLayout = { width: 40, height: 40, channels: 1, bits: 8 };
    const original = randomFrame(layout, 1);
    const mask = new Uint8Array(1600);
    mask[5] = 255;
    expect(tilesFromMask(original, original.slice(), mask, layout)).toHaveLength(0);
    const repaired = original.slice();
    repaired[5] = (original[5]! + 1) % 256;
    repaired[6] = (original[6]! + 1) % 256; // outside the mask: must not leak into the patch
    const tiles = tilesFromMask(original, repaired, mask, layout, 16);
    expect(tiles).toHaveLength(1);
    expect(tiles[0]!.data[5]).toBe(repaired[5]);
    expect(tiles[0]!.data[6]).toBe(original[6]);
  });

  it('rejects corrupt files and tiles outside the frame', () => {
    const layout: FrameLayout = { width: 8, height: 8, channels: 1, bits: 16 };
    const good = encodePatches([{ index: 0, tiles: [{ x: 4, y: 4, w: 4, h: 4, data: new Uint16Array(16) }] }], layout);
    expect(() => decodePatches(Buffer.from('RRP2' + good.subarray(4).toString('latin1'), 'latin1'))).toThrow(BadInputError);
    expect(() => decodePatches(good.subarray(0, good.length - 1))).toThrow(BadInputError);
    expect(() => decodePatches(Buffer.concat([good, Buffer.from([0])]))).toThrow(BadInputError);
    const bumped = Buffer.from(good);
    bumped.writeUInt8(2, 4);
    expect(() => decodePatches(bumped)).toThrow(/version/);
    expect(() => encodePatches([{ index: 0, tiles: [{ x: 6, y: 0, w: 4, h: 1, data: new Uint16Array(4) }] }], layout)).toThrow(BadInputError);
    expect(() => encodePatches([{ index: 0, tiles: [{ x: 0, y: 0, w: 2, h: 1, data: new Uint8Array(2) }] }], layout)).toThrow(BadInputError);
    expect(() => applyPatches(new Uint16Array(64), layout, [], new Uint8Array(3))).toThrow(BadInputError);
  });
});
