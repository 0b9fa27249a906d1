/**
 * Noise spectra other than the default fine film grain. A detector trained on one grain spectrum learns
 * "a blob bigger than a grain clump is damage"; real archive scans have clumpy grain from fast or
 * duplicated stocks (blobs of 2-4 px that come and go every frame) and scanner noise on top of the film's
 * own grain (white per-pixel noise and per-row offsets from a line sensor). Neither is damage.
 */
import { fillNormal, subSeed } from './random.js';

/** 'film': today's grain; 'coarse': clumpy grain (blur sigma 1.2-1.8 px); 'scanner': film grain plus sensor noise. */
export type GrainKind = 'film' | 'coarse' | 'scanner';
export const GRAIN_KINDS: readonly GrainKind[] = ['film', 'coarse', 'scanner'];

/** The blur sigma range of coarse grain, in pixels. */
export const COARSE_GRAIN_SIGMA: readonly [number, number] = [1.2, 1.8];

/**
 * Separable Gaussian blur of unit white noise, renormalised to unit std. Blurs `f` in place horizontally
 * and returns the vertical pass in a new array. Edges are mirrored so the std holds up to the border.
 * Unlike blurUnitNoise's 3 taps, this reaches 3 sigma, so it can make the wide clumps of coarse grain.
 */
export function gaussianBlurUnitNoise(f: Float32Array, W: number, H: number, sigma: number): Float32Array {
  if (sigma <= 0) return f;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const w = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let k = -r; k <= r; k++) {
    const v = Math.exp(-(k * k) / (2 * sigma * sigma));
    w[k + r] = v;
    sum += v;
  }
  let sq = 0;
  for (let k = 0; k < w.length; k++) {
    w[k] = w[k]! / sum;
    sq += w[k]! * w[k]!;
  }
  // White noise through a separable kernel: std scales by the 1-D sum of squared weights (sqrt per axis).
  const renorm = 1 / sq;
  // A mirrored copy of each row, so the inner loop needs no bounds logic.
  const row = new Float32Array(W + 2 * r);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = -r; x < W + r; x++) row[x + r] = f[o + reflect(x, W)]!;
    for (let x = 0; x < W; x++) {
      let acc = 0;
      for (let k = 0; k <= 2 * r; k++) acc += w[k]! * row[x + k]!;
      f[o + x] = acc;
    }
  }
  const out = new Float32Array(W * H);
  const rowIdx = new Int32Array(2 * r + 1);
  for (let y = 0; y < H; y++) {
    for (let k = -r; k <= r; k++) rowIdx[k + r] = reflect(y + k, H) * W;
    const o = y * W;
    for (let x = 0; x < W; x++) {
      let acc = 0;
      for (let k = 0; k <= 2 * r; k++) acc += w[k]! * f[rowIdx[k]! + x]!;
      out[o + x] = acc * renorm;
    }
  }
  return out;
}

/**
 * Adds a line scanner's noise in place: fine white noise per pixel (independent per channel) and a faint
 * offset per row (mostly shared by the channels, a few rows much stronger), both scaled by the grain level
 * so they stay in proportion to the film's own grain.
 */
export function addScannerNoise(frame: Float32Array, W: number, H: number, C: number, level: number, seed: number): void {
  if (level <= 0) return;
  const white = new Float32Array(W * H * C);
  fillNormal(white, subSeed(seed, 'scanner-white'));
  const rows = new Float32Array(H * (C + 1));
  fillNormal(rows, subSeed(seed, 'scanner-rows'));
  const strong = new Float32Array(H);
  fillNormal(strong, subSeed(seed, 'scanner-strong'));
  const pixelStd = 0.45 * level;
  const rowStd = 0.22 * level;
  for (let y = 0; y < H; y++) {
    // |normal| > 2.2 picks about 3% of rows as the sensor's bad lines.
    const boost = Math.abs(strong[y]!) > 2.2 ? 3 : 1;
    const shared = rows[y * (C + 1) + C]!;
    for (let c = 0; c < C; c++) {
      const off = rowStd * boost * (0.8 * shared + 0.6 * rows[y * (C + 1) + c]!);
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * C + c;
        frame[i] = frame[i]! + off + pixelStd * white[i]!;
      }
    }
  }
}

function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * n - 2 - j;
  return j;
}
