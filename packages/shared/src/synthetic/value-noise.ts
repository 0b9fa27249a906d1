/**
 * Smooth 2-D value noise from a seed: a lattice of hashed random values, smoothly interpolated. Used for
 * the clustered density of damage (the FILM-AA work uses Perlin noise for the same), the ragged edges of
 * blotches and specks, intensity variation along scratches, and the procedural plates.
 */
import { subSeed } from './random.js';

export type Noise2 = (x: number, y: number) => number;

function latticeValue(seed: number, ix: number, iy: number): number {
  let h = (seed ^ Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  return h / 4294967296;
}

function smooth(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

/** Value noise with lattice spacing 1, values in [0, 1). */
export function valueNoise(seed: number): Noise2 {
  const s = subSeed(seed, 'value-noise');
  return (x, y) => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = smooth(x - ix);
    const fy = smooth(y - iy);
    const a = latticeValue(s, ix, iy);
    const b = latticeValue(s, ix + 1, iy);
    const c = latticeValue(s, ix, iy + 1);
    const d = latticeValue(s, ix + 1, iy + 1);
    const top = a + (b - a) * fx;
    const bottom = c + (d - c) * fx;
    return top + (bottom - top) * fy;
  };
}

/**
 * Fractal noise: octaves of value noise, each twice as fine and `gain` as strong, centred on 0 with
 * roughly unit range ([-0.5, 0.5] for one octave). `scale` is the coarsest feature size in pixels.
 */
export function fractalNoise(seed: number, scale: number, octaves: number, gain = 0.5): Noise2 {
  const layers = Array.from({ length: octaves }, (_, o) => valueNoise(subSeed(seed, 'octave', o)));
  let norm = 0;
  for (let o = 0; o < octaves; o++) norm += Math.pow(gain, o);
  return (x, y) => {
    let v = 0;
    let amp = 1;
    let f = 1 / scale;
    for (const layer of layers) {
      v += amp * (layer(x * f, y * f) - 0.5);
      amp *= gain;
      f *= 2;
    }
    return v / norm;
  };
}
