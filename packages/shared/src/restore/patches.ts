import type { FrameLayout, Samples } from '../frames/types.js';
import { BadInputError } from '../errors.js';

/**
 * Patch file: inpaint stores only the repaired tiles, the assembler writes them back under the mask.
 *
 *   'RRP1'  magic
 *   u8      version (1)
 *   u8      channels, u8 bits, u8 reserved (0)
 *   u32     width, u32 height, u32 tile count
 *   per tile: u32 frame index, u32 x, u32 y, u32 w, u32 h, then w*h*channels samples
 *             (u8, or u16 little-endian)
 */
export const PATCH_MAGIC = 'RRP1';
export const PATCH_VERSION = 1;
const HEADER_BYTES = 4 + 4 + 12;
const TILE_HEADER_BYTES = 20;

export interface PatchTile {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Tile samples, row by row, interleaved like the frame. */
  data: Samples;
}

export interface PatchFrame {
  index: number;
  tiles: PatchTile[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function tileSamples(t: { w: number; h: number }, layout: FrameLayout): number {
  return t.w * t.h * layout.channels;
}

function checkTile(t: PatchTile, layout: FrameLayout): void {
  const ok =
    Number.isInteger(t.x) &&
    Number.isInteger(t.y) &&
    Number.isInteger(t.w) &&
    Number.isInteger(t.h) &&
    t.x >= 0 &&
    t.y >= 0 &&
    t.w > 0 &&
    t.h > 0 &&
    t.x + t.w <= layout.width &&
    t.y + t.h <= layout.height;
  if (!ok) throw new BadInputError(`patch tile ${t.w}x${t.h}+${t.x}+${t.y} outside ${layout.width}x${layout.height}`);
  if (t.data.length !== tileSamples(t, layout)) {
    throw new BadInputError(`patch tile holds ${t.data.length} samples, expected ${tileSamples(t, layout)}`);
  }
  if ((layout.bits === 16) !== t.data instanceof Uint16Array) {
    throw new BadInputError(`patch tile sample type does not match ${layout.bits}-bit layout`);
  }
}

export function encodePatches(frames: PatchFrame[], layout: FrameLayout): Buffer {
  const bytesPerSample = layout.bits / 8;
  let total = HEADER_BYTES;
  let tileCount = 0;
  for (const f of frames) {
    for (const t of f.tiles) {
      checkTile(t, layout);
      total += TILE_HEADER_BYTES + tileSamples(t, layout) * bytesPerSample;
      tileCount++;
    }
  }
  const buf = Buffer.alloc(total);
  buf.write(PATCH_MAGIC, 0, 'ascii');
  buf.writeUInt8(PATCH_VERSION, 4);
  buf.writeUInt8(layout.channels, 5);
  buf.writeUInt8(layout.bits, 6);
  buf.writeUInt8(0, 7);
  buf.writeUInt32LE(layout.width, 8);
  buf.writeUInt32LE(layout.height, 12);
  buf.writeUInt32LE(tileCount, 16);
  let off = HEADER_BYTES;
  for (const f of frames) {
    for (const t of f.tiles) {
      buf.writeUInt32LE(f.index, off);
      buf.writeUInt32LE(t.x, off + 4);
      buf.writeUInt32LE(t.y, off + 8);
      buf.writeUInt32LE(t.w, off + 12);
      buf.writeUInt32LE(t.h, off + 16);
      off += TILE_HEADER_BYTES;
      off = writeSamples(buf, off, t.data);
    }
  }
  return buf;
}

function writeSamples(buf: Buffer, off: number, data: Samples): number {
  if (data instanceof Uint8Array || LITTLE_ENDIAN) {
    buf.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), off);
    return off + data.byteLength;
  }
  for (let i = 0; i < data.length; i++) buf.writeUInt16LE(data[i]!, off + 2 * i);
  return off + data.byteLength;
}

function readSamples(buf: Buffer, off: number, n: number, bits: 8 | 16): Samples {
  if (bits === 8) return new Uint8Array(buf.subarray(off, off + n));
  const out = new Uint16Array(n);
  // The buffer offset may be odd, so copy bytes rather than view them as u16.
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf.subarray(off, off + 2 * n));
  else for (let i = 0; i < n; i++) out[i] = buf.readUInt16LE(off + 2 * i);
  return out;
}

export function decodePatches(buf: Buffer): { layout: FrameLayout; frames: PatchFrame[] } {
  const bad = (why: string): BadInputError => new BadInputError(`patch file ${why}`);
  if (buf.length < HEADER_BYTES || buf.toString('ascii', 0, 4) !== PATCH_MAGIC) throw bad('has no RRP1 header');
  const version = buf.readUInt8(4);
  if (version !== PATCH_VERSION) throw bad(`has unsupported version ${version}`);
  const channels = buf.readUInt8(5);
  const bits = buf.readUInt8(6);
  if ((channels !== 1 && channels !== 3) || (bits !== 8 && bits !== 16)) throw bad(`has bad layout ${channels}ch ${bits}bit`);
  const layout: FrameLayout = {
    width: buf.readUInt32LE(8),
    height: buf.readUInt32LE(12),
    channels,
    bits,
  };
  const tileCount = buf.readUInt32LE(16);
  const byIndex = new Map<number, PatchFrame>();
  const frames: PatchFrame[] = [];
  let off = HEADER_BYTES;
  for (let k = 0; k < tileCount; k++) {
    if (off + TILE_HEADER_BYTES > buf.length) throw bad('is truncated');
    const index = buf.readUInt32LE(off);
    const x = buf.readUInt32LE(off + 4);
    const y = buf.readUInt32LE(off + 8);
    const w = buf.readUInt32LE(off + 12);
    const h = buf.readUInt32LE(off + 16);
    off += TILE_HEADER_BYTES;
    if (w === 0 || h === 0 || x + w > layout.width || y + h > layout.height) throw bad(`has a tile outside the frame`);
    const n = w * h * channels;
    if (off + (n * bits) / 8 > buf.length) throw bad('is truncated');
    const data = readSamples(buf, off, n, bits);
    off += (n * bits) / 8;
    let frame = byIndex.get(index);
    if (!frame) {
      frame = { index, tiles: [] };
      byIndex.set(index, frame);
      frames.push(frame);
    }
    frame.tiles.push({ x, y, w, h, data });
  }
  if (off !== buf.length) throw bad('has trailing bytes');
  return { layout, frames };
}

/**
 * Tiles (tile x tile, clipped at the frame edge) holding a masked pixel whose repaired value differs
 * from the original. Tile samples are the repaired values under the mask and the original ones
 * elsewhere, so a patch can never carry a change outside the mask.
 */
export function tilesFromMask(
  original: Samples,
  repaired: Samples,
  mask: Uint8Array,
  layout: FrameLayout,
  tile = 32,
): PatchTile[] {
  const { width: W, height: H, channels: C } = layout;
  const tiles: PatchTile[] = [];
  for (let ty = 0; ty < H; ty += tile) {
    const th = Math.min(tile, H - ty);
    for (let tx = 0; tx < W; tx += tile) {
      const tw = Math.min(tile, W - tx);
      if (!tileChanged(original, repaired, mask, W, C, tx, ty, tw, th)) continue;
      const data = layout.bits === 16 ? new Uint16Array(tw * th * C) : new Uint8Array(tw * th * C);
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          const p = (ty + y) * W + tx + x;
          const src = mask[p] === 255 ? repaired : original;
          const o = (y * tw + x) * C;
          for (let c = 0; c < C; c++) data[o + c] = src[p * C + c]!;
        }
      }
      tiles.push({ x: tx, y: ty, w: tw, h: th, data });
    }
  }
  return tiles;
}

function tileChanged(
  original: Samples,
  repaired: Samples,
  mask: Uint8Array,
  W: number,
  C: number,
  tx: number,
  ty: number,
  tw: number,
  th: number,
): boolean {
  for (let y = ty; y < ty + th; y++) {
    for (let x = tx; x < tx + tw; x++) {
      const p = y * W + x;
      if (mask[p] !== 255) continue;
      for (let c = 0; c < C; c++) if (original[p * C + c] !== repaired[p * C + c]) return true;
    }
  }
  return false;
}

/**
 * Writes patch values into `frame` in place, but only where mask == 255: a wrong or stale patch can
 * never alter an undamaged pixel. Returns the number of pixels written.
 */
export function applyPatches(frame: Samples, layout: FrameLayout, tiles: PatchTile[], mask: Uint8Array): number {
  const { width: W, channels: C } = layout;
  if (mask.length !== W * layout.height) throw new BadInputError(`mask has ${mask.length} pixels, expected ${W}x${layout.height}`);
  let written = 0;
  for (const t of tiles) {
    checkTile(t, layout);
    for (let y = 0; y < t.h; y++) {
      for (let x = 0; x < t.w; x++) {
        const p = (t.y + y) * W + t.x + x;
        if (mask[p] !== 255) continue;
        const o = (y * t.w + x) * C;
        for (let c = 0; c < C; c++) frame[p * C + c] = t.data[o + c]!;
        written++;
      }
    }
  }
  return written;
}
