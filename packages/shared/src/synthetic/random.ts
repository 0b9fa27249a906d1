/**
 * Seeded randomness for the synthetic film generator, and for the learned inpainter's noise (a chunk re-run
 * must repaint the same pixels). Everything is derived from one seed so the output is byte-identical on
 * every run; Math.random is never used.
 */
import { gaussian, mulberry32 } from './synthetic-clip.js';

export { gaussian, mulberry32 };

export type Rand = () => number;

/** A sub-seed from a seed and labels, so each part (grain of frame 7, damage of frame 3…) has its own stream. */
export function subSeed(seed: number, ...labels: (number | string)[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const label of labels) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

export function rng(seed: number, ...labels: (number | string)[]): Rand {
  return mulberry32(subSeed(seed, ...labels));
}

export function uniform(rand: Rand, lo: number, hi: number): number {
  return lo + (hi - lo) * rand();
}

export function pick<T>(rand: Rand, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/**
 * Gamma(shape k, scale theta) by Marsaglia and Tsang; the FILM-AA work draws artefact counts per area and
 * artefact sizes from Gamma distributions.
 */
export function gammaSample(rand: Rand, k: number, theta: number): number {
  const normal = gaussian(rand);
  if (k < 1) return gammaSample(rand, k + 1, theta) * Math.pow(Math.max(rand(), 1e-12), 1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * theta;
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * theta;
  }
}

/** A Gamma-distributed count with the given mean (shape k sets the spread: small k, bursty frames). */
export function gammaCount(rand: Rand, mean: number, k = 1.5): number {
  if (mean <= 0) return 0;
  return Math.round(gammaSample(rand, k, mean / k));
}

/** A Fisher-Yates shuffled copy. */
export function shuffled<T>(rand: Rand, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/**
 * Fast standard-normal noise for grain: a table of true normals indexed by a xorshift stream. Box-Muller per
 * sample is too slow for 4K frames (25 M samples); the grain is blurred afterwards, which smooths out any
 * table artefacts.
 */
const NORMAL_TABLE_BITS = 16;
let normalTable: Float32Array | null = null;

function getNormalTable(): Float32Array {
  if (normalTable) return normalTable;
  const n = 1 << NORMAL_TABLE_BITS;
  const t = new Float32Array(n);
  const normal = gaussian(mulberry32(0x5eed));
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const v = normal();
    t[i] = v;
    sum += v;
    sq += v * v;
  }
  // Exactly zero mean and unit variance, so grain levels are what the caller asked for.
  const mean = sum / n;
  const std = Math.sqrt(sq / n - mean * mean);
  for (let i = 0; i < n; i++) t[i] = (t[i]! - mean) / std;
  normalTable = t;
  return t;
}

/** Fills `out` with standard-normal samples from the seed. */
export function fillNormal(out: Float32Array, seed: number): void {
  const table = getNormalTable();
  const mask = (1 << NORMAL_TABLE_BITS) - 1;
  let s = subSeed(seed, 'normal') | 1;
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = table[s & mask]!;
    out[i + 1] = table[(s >>> 16) & mask]!;
  }
  if (i < n) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = table[s & mask]!;
  }
}
