/**
 * Plates: the still pictures a camera "films". A plate is larger than the frame (by `margin`) so camera
 * motion and gate weave have room without running off its edge. Plates come from clean photographs
 * (scripts/fetch-clean-images.sh fills a cache) or, when none are there, from a procedural generator, so
 * tests and CI never depend on the download.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { rng, uniform } from './random.js';
import { fractalNoise } from './value-noise.js';

export interface Plate {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Interleaved samples in [0, 1]. */
  data: Float32Array;
  /** Where it came from: an image path or "procedural:<seed>". */
  source: string;
}

export const DEFAULT_PLATE_MARGIN = 1.25;
const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;

export function plateSize(width: number, height: number, margin = DEFAULT_PLATE_MARGIN): { width: number; height: number } {
  return { width: Math.ceil(width * margin), height: Math.ceil(height * margin) };
}

/**
 * The usable clean images in `dir`, sorted by name so every machine picks the same ones. A missing folder
 * gives an empty list (the caller falls back to procedural plates).
 */
export async function loadCleanImages(dir: string, opts: { max?: number; minSide?: number } = {}): Promise<string[]> {
  const minSide = opts.minSide ?? 512;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names.filter((n) => IMAGE_EXT.test(n)).sort()) {
    if (opts.max !== undefined && out.length >= opts.max) break;
    const path = resolve(join(dir, name));
    try {
      const meta = await sharp(path).metadata();
      if (Math.min(meta.width ?? 0, meta.height ?? 0) >= minSide) out.push(path);
    } catch {
      // An unreadable file is skipped, not fatal: the cache is a convenience.
    }
  }
  return out;
}

/**
 * Decodes an image to a plate of the frame size times `margin`, cropped to cover (centre), grey or RGB,
 * softened by a Gaussian of `soften` px (default 0.6; below 0.3 none). 16-bit sequences decode at 16 bits
 * so 16-bit sources keep their precision.
 */
export async function readCleanImage(
  path: string,
  opts: { width: number; height: number; channels: 1 | 3; bits: 8 | 16; margin?: number; soften?: number },
): Promise<Plate> {
  const size = plateSize(opts.width, opts.height, opts.margin);
  let img = sharp(path, { limitInputPixels: false })
    .rotate()
    .resize(size.width, size.height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .removeAlpha();
  // A film scan is softer than a downscaled digital photo (lens, emulsion, scanner optics).
  const soften = opts.soften ?? 0.6;
  if (soften >= 0.3) img = img.blur(soften);
  if (opts.bits === 16) img = img.toColourspace(opts.channels === 1 ? 'grey16' : 'rgb16');
  else img = opts.channels === 1 ? img.greyscale() : img.toColourspace('srgb');
  const { data, info } = await img.raw({ depth: opts.bits === 16 ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.width !== size.width || info.height !== size.height || info.channels !== opts.channels) {
    throw new Error(`readCleanImage: ${path} decoded to ${info.width}x${info.height}x${info.channels}, expected ${size.width}x${size.height}x${opts.channels}`);
  }
  const n = size.width * size.height * opts.channels;
  const out = new Float32Array(n);
  if (opts.bits === 16) {
    const src = new Uint16Array(data.buffer, data.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = src[i]! / 65535;
  } else {
    for (let i = 0; i < n; i++) out[i] = data[i]! / 255;
  }
  return { width: size.width, height: size.height, channels: opts.channels, data: out, source: path };
}

/**
 * A picture with natural-image statistics but no file: 1/f-like fractal light and texture, a few
 * objects with sharp edges (film frames have edges, which detectors must not mistake for damage), and a
 * lighting gradient. Smooth fields are computed at low resolution and upsampled, so a 4K plate is cheap.
 */
export function proceduralPlate(opts: { width: number; height: number; channels: 1 | 3; seed: number; margin?: number }): Plate {
  const { width: W, height: H } = plateSize(opts.width, opts.height, opts.margin);
  const C = opts.channels;
  const rand = rng(opts.seed, 'plate');
  const lum = lowResField(W, H, fractalNoise(opts.seed, Math.max(W, H) / 3, 6, 0.6));
  const hue = C === 3 ? [0, 1, 2].map((c) => lowResField(W, H, fractalNoise(opts.seed + 101 * (c + 1), Math.max(W, H) / 2, 3))) : [];
  const tint = C === 3 ? [uniform(rand, 0.85, 1.1), uniform(rand, 0.85, 1.05), uniform(rand, 0.75, 1.05)] : [1];
  const gx = uniform(rand, -0.15, 0.15);
  const gy = uniform(rand, -0.2, 0.1);
  const data = new Float32Array(W * H * C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const base = 0.45 + 1.1 * lum[p]! + gx * (x / W - 0.5) + gy * (y / H - 0.5);
      for (let c = 0; c < C; c++) data[p * C + c] = base * tint[c]! + (C === 3 ? 0.5 * hue[c]![p]! : 0);
    }
  }
  drawObjects(data, W, H, C, opts.seed);
  // A soft shoulder and toe like a print's tone curve, so nothing clips hard (a table: tanh per sample is slow at 4K).
  const lo = -1.5;
  const hi = 2.5;
  const curve = new Float32Array(4097);
  for (let i = 0; i <= 4096; i++) curve[i] = 0.5 + 0.47 * Math.tanh((lo + ((hi - lo) * i) / 4096 - 0.5) / 0.45);
  for (let i = 0; i < data.length; i++) {
    const t = ((data[i]! - lo) / (hi - lo)) * 4096;
    data[i] = curve[t <= 0 ? 0 : t >= 4096 ? 4096 : Math.round(t)]!;
  }
  return { width: W, height: H, channels: C, data, source: `procedural:${opts.seed}` };
}

/** Samples a smooth noise on a coarse grid and upsamples bilinearly to W x H. */
function lowResField(W: number, H: number, noise: (x: number, y: number) => number): Float32Array {
  const step = Math.max(1, Math.ceil(Math.max(W, H) / 768));
  const gw = Math.ceil(W / step) + 2;
  const gh = Math.ceil(H / step) + 2;
  const grid = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) for (let i = 0; i < gw; i++) grid[j * gw + i] = noise(i * step, j * step);
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const gyf = y / step;
    const j = Math.floor(gyf);
    const fy = gyf - j;
    for (let x = 0; x < W; x++) {
      const gxf = x / step;
      const i = Math.floor(gxf);
      const fx = gxf - i;
      const a = grid[j * gw + i]!;
      const b = grid[j * gw + i + 1]!;
      const c = grid[(j + 1) * gw + i]!;
      const d = grid[(j + 1) * gw + i + 1]!;
      out[y * W + x] = (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
    }
  }
  return out;
}

/** Soft-edged ellipses and rectangles with their own shade and a fine stripe texture on some. */
function drawObjects(data: Float32Array, W: number, H: number, C: number, seed: number): void {
  const rand = rng(seed, 'objects');
  const count = 6 + Math.floor(rand() * 8);
  const span = Math.min(W, H);
  for (let k = 0; k < count; k++) {
    const cx = rand() * W;
    const cy = rand() * H;
    const rx = span * uniform(rand, 0.04, 0.25);
    const ry = span * uniform(rand, 0.04, 0.25);
    const round = rand() < 0.5;
    const shade = Array.from({ length: C }, () => uniform(rand, -0.35, 0.35));
    const stripe = rand() < 0.4 ? uniform(rand, 3, 14) : 0;
    const angle = rand() * Math.PI;
    const ca = Math.cos(angle);
    const sa = Math.sin(angle);
    const x0 = Math.max(0, Math.floor(cx - rx - 2));
    const x1 = Math.min(W - 1, Math.ceil(cx + rx + 2));
    const y0 = Math.max(0, Math.floor(cy - ry - 2));
    const y1 = Math.min(H - 1, Math.ceil(cy + ry + 2));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const d = round
          ? (1 - Math.sqrt((dx * dx) / (rx * rx) + (dy * dy) / (ry * ry))) * Math.min(rx, ry)
          : Math.min(rx - Math.abs(dx), ry - Math.abs(dy));
        // About one pixel of edge: an in-focus edge, slightly soft like a lens.
        const a = d <= -0.7 ? 0 : d >= 0.7 ? 1 : (d + 0.7) / 1.4;
        if (a === 0) continue;
        const tex = stripe > 0 ? 0.06 * Math.sin((dx * ca + dy * sa) * ((2 * Math.PI) / stripe)) : 0;
        const p = (y * W + x) * C;
        for (let c = 0; c < C; c++) data[p + c] = data[p + c]! + a * (shade[c]! + tex);
      }
    }
  }
}
