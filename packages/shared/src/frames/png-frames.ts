/**
 * PNG frames read and written in this process with sharp. Spawning ffmpeg for one PNG costs a quarter of a
 * second, more than decoding or encoding a 2K frame, and a reel reads and writes thousands.
 */
import { readFile, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { allocFrame, type FrameLayout, type Samples } from './types.js';

/** sharp's colourspace holding a layout's samples as they are: grey or RGB, 8 or 16 bits. */
function spaceOf(layout: Pick<FrameLayout, 'channels' | 'bits'>): 'b-w' | 'grey16' | 'srgb' | 'rgb16' {
  const sixteen = layout.bits === 16;
  return layout.channels === 1 ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
}

/**
 * A PNG frame decoded in this process, or null where ffmpeg must do it. Only the cases where sharp's
 * samples are exactly ffmpeg's are taken here (checked byte for byte in frames.test.ts): the file already
 * holds the layout's channels and depth, without alpha. Anything else (alpha to drop, grey in an RGB reel,
 * 8-bit in a 16-bit one) and anything sharp cannot read comes back null, so ffmpeg converts it, or fails
 * with its own reason, exactly as before.
 */
export async function decodePngInProcess(url: string, layout: FrameLayout, signal: AbortSignal): Promise<Samples | null> {
  const bytes = await readBytes(url, signal);
  if (!bytes) return null;
  try {
    // ffmpeg ignores embedded colour profiles; so must this, or tagged frames would be converted.
    const image = sharp(bytes, { ignoreIcc: true });
    const meta = await image.metadata();
    const sixteen = layout.bits === 16;
    if (meta.width !== layout.width || meta.height !== layout.height || meta.hasAlpha || meta.channels !== layout.channels) return null;
    if ((meta.depth === 'ushort') !== sixteen) return null;
    const { data, info } = await image.toColourspace(spaceOf(layout)).raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const frame = allocFrame(layout);
    if (info.channels !== layout.channels || data.byteLength !== frame.byteLength) return null;
    // Copied into a fresh, aligned buffer: 16-bit samples need an even offset, which sharp's buffer need not have.
    new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength).set(data);
    return frame;
  } catch {
    return null;
  }
}

/** The file's bytes from a local path or a presigned URL; null when unreadable (ffmpeg then says why). */
async function readBytes(url: string, signal: AbortSignal): Promise<Buffer | null> {
  try {
    if (url.startsWith('/')) return await readFile(url, { signal });
    if (!/^https?:\/\//.test(url)) return null;
    const res = await fetch(url, { signal });
    if (!res.ok) return null;
    return Buffer.from(await res.arrayBuffer());
  } catch (err) {
    if (signal.aborted) throw err;
    return null;
  }
}

/**
 * Writes a frame as a PNG: grey or RGB at the layout's depth, as ffmpeg wrote them (sequencePixFmt); 16-bit
 * samples go in host order and sharp stores them big-endian as PNG requires. A failed write leaves no file.
 */
export async function writePngFrame(layout: FrameLayout, data: Samples, outPath: string, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  const { width, height, channels } = layout;
  try {
    await sharp(data, { raw: { width, height, channels } }).toColourspace(spaceOf(layout)).png({ compressionLevel: 6 }).toFile(outPath);
    signal?.throwIfAborted();
  } catch (err) {
    await rm(outPath, { force: true }).catch(() => {});
    throw err;
  }
}
