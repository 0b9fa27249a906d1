/**
 * Spatial inpainting peer: harmonic (Laplace) fill of the masked pixels from the frame alone, no
 * neighbour frames. Onion-peel initialisation (each ring takes the mean of its known 8-neighbours),
 * then Gauss-Seidel sweeps of the discrete Laplace equation inside the mask, which removes the
 * ring-by-ring streaks of the peel. It is what a single-image method can do: smooth, grainless
 * content that continues the surrounding picture.
 */
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { maxSampleValue } from '@reelrestore/shared/restore/luma';

export const SPATIAL_SWEEPS = 30;

export function spatialFill(frame: Samples, mask: Uint8Array, layout: FrameLayout, sweeps = SPATIAL_SWEEPS): Samples {
  const { width: w, height: h, channels: C } = layout;
  const out = frame.slice();
  const targets: number[] = [];
  for (let p = 0; p < mask.length; p++) if (mask[p] !== 0) targets.push(p);
  if (targets.length === 0 || targets.length === mask.length) return out;
  // Float working copy of the masked samples only; everything else is read from the frame.
  const val = new Float64Array(w * h * C);
  for (let i = 0; i < out.length; i++) val[i] = out[i]!;
  const known = new Uint8Array(w * h);
  for (let p = 0; p < known.length; p++) known[p] = mask[p] === 0 ? 1 : 0;

  let todo = targets;
  while (todo.length > 0) {
    const ready: number[] = [];
    const rest: number[] = [];
    const acc = new Float64Array(C);
    const sums: number[] = [];
    for (const p of todo) {
      const x = p % w;
      const y = (p - x) / w;
      let n = 0;
      acc.fill(0);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if ((dx | dy) === 0 || xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const q = yy * w + xx;
          if (known[q] === 0) continue;
          n++;
          for (let c = 0; c < C; c++) acc[c] = acc[c]! + val[q * C + c]!;
        }
      }
      if (n === 0) {
        rest.push(p);
        continue;
      }
      ready.push(p);
      for (let c = 0; c < C; c++) sums.push(acc[c]! / n);
    }
    if (ready.length === 0) break;
    // Commit the ring after computing it, so the peel has no sweep-direction bias.
    ready.forEach((p, k) => {
      for (let c = 0; c < C; c++) val[p * C + c] = sums[k * C + c]!;
      known[p] = 1;
    });
    todo = rest;
  }

  for (let s = 0; s < sweeps; s++) {
    for (const p of targets) {
      const x = p % w;
      const y = (p - x) / w;
      for (let c = 0; c < C; c++) {
        let sum = 0;
        let n = 0;
        if (x > 0) (sum += val[(p - 1) * C + c]!), n++;
        if (x < w - 1) (sum += val[(p + 1) * C + c]!), n++;
        if (y > 0) (sum += val[(p - w) * C + c]!), n++;
        if (y < h - 1) (sum += val[(p + w) * C + c]!), n++;
        val[p * C + c] = sum / n;
      }
    }
  }

  const maxV = maxSampleValue(layout.bits);
  for (const p of targets) {
    for (let c = 0; c < C; c++) {
      const v = Math.round(val[p * C + c]!);
      out[p * C + c] = v < 0 ? 0 : v > maxV ? maxV : v;
    }
  }
  return out;
}
