import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../synthetic/synthetic-clip.js';
import { BadInputError } from '../errors.js';
import { decodeMaskPng, encodeMaskPng } from './mask-png.js';

describe('mask png', () => {
  it('round-trips a mask as an 8-bit single-channel grey PNG', async () => {
    const w = 37;
    const h = 23;
    const rand = mulberry32(5);
    const mask = new Uint8Array(w * h).map(() => (rand() < 0.2 ? 255 : 0));
    const png = await encodeMaskPng(mask, w, h);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.channels).toBe(1);
    expect(meta.depth).toBe('uchar');
    const back = await decodeMaskPng(png);
    expect(back.width).toBe(w);
    expect(back.height).toBe(h);
    expect(back.mask).toEqual(mask);
  });

  it('reads an RGBA mask back as one channel snapped to 0/255', async () => {
    const rgba = Buffer.from([255, 255, 255, 255, 0, 0, 0, 255, 200, 200, 200, 255, 10, 10, 10, 255]);
    const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
    const back = await decodeMaskPng(png);
    expect(Array.from(back.mask)).toEqual([255, 0, 255, 0]);
  });

  it('rejects what is not an image, and a mask of the wrong size', async () => {
    await expect(decodeMaskPng(Buffer.from('not a png'))).rejects.toBeInstanceOf(BadInputError);
    await expect(encodeMaskPng(new Uint8Array(5), 2, 2)).rejects.toThrow(RangeError);
  });
});
