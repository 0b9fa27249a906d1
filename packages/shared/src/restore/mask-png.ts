import sharp, { type OutputInfo } from 'sharp';
import { BadInputError } from '../errors.js';

/** A damage mask as an 8-bit single-channel grey PNG, 255 = damage (lossless, small, viewable). */
export async function encodeMaskPng(mask: Uint8Array, w: number, h: number): Promise<Buffer> {
  if (mask.length !== w * h) throw new RangeError(`mask has ${mask.length} pixels, expected ${w}x${h}`);
  const raw = Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength);
  return sharp(raw, { raw: { width: w, height: h, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/**
 * Reads a mask PNG back as one channel of raw bytes, whatever the file holds (an edited mask may come
 * back as RGB or with alpha). Values are snapped to 0/255 so `mask === 255` tests stay exact.
 */
export async function decodeMaskPng(buf: Buffer): Promise<{ mask: Uint8Array; width: number; height: number }> {
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await sharp(buf).greyscale().extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new BadInputError(`mask PNG cannot be read: ${err instanceof Error ? err.message : String(err)}`, 422, {
      cause: err,
    });
  }
  const { width, height, channels } = out.info;
  if (channels !== 1 || out.data.length !== width * height) {
    throw new BadInputError(`mask PNG decoded to ${channels} channels, expected 1`);
  }
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = out.data[i]! >= 128 ? 255 : 0;
  return { mask, width, height };
}
