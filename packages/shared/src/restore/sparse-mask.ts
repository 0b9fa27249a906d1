/**
 * The segmenter's mask steps, with work in proportion to the flagged pixels rather than to the frame. On a
 * 2K frame a few tenths of a percent of the pixels are damage, yet the whole-frame passes of
 * maskFromProbability and dilateMask (morphology.ts) cost about a tenth of the segmenter's time. The
 * results are the same masks, pixel for pixel (the tests compare them).
 */
import { doubled, growFrom } from './morphology.js';

/** Cells of a frame (damage-candidates.ts): outside the selected ones the mask and probability are 0. */
export interface CellGrid {
  cols: number;
  cell: number;
  selected: Uint8Array;
}

/**
 * What maskFromProbability gives with no dilation and no minimum area: the pixels at or above `threshold`,
 * grown through the 8-connected pixels at or above `lowThreshold` (clamped to at most `threshold`). With
 * `cells`, only the selected cells are searched for seeds (the cascade leaves probability 0 elsewhere);
 * growth still follows the probability wherever it leads.
 */
export function hysteresisRegions(prob: Float32Array, w: number, h: number, threshold: number, lowThreshold: number, cells?: CellGrid | null): Uint8Array {
  const out = new Uint8Array(w * h);
  const low = Math.min(lowThreshold, threshold);
  let stack: Int32Array<ArrayBuffer> = new Int32Array(1024);
  let sp = 0;
  // A threshold at or below 0 seeds the probability's zeros too: then every pixel is looked at.
  forEachPixel(w, h, threshold > 0 ? cells : null, (from, to) => {
    for (let i = from; i < to; i++) {
      if (prob[i]! >= threshold) {
        if (sp === stack.length) stack = doubled(stack);
        out[i] = 255;
        stack[sp++] = i;
      }
    }
  });
  growFrom(out, stack, sp, w, h, (q) => prob[q]! >= low);
  return out;
}

/** Calls `scan` with the index ranges of each row of the selected cells (of every row without `cells`). */
function forEachPixel(w: number, h: number, cells: CellGrid | null | undefined, scan: (from: number, to: number) => void): void {
  if (!cells) {
    scan(0, w * h);
    return;
  }
  const { cols, cell, selected } = cells;
  const rows = Math.ceil(h / cell);
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < cols; ) {
      if (selected[cy * cols + cx] === 0) {
        cx++;
        continue;
      }
      let end = cx + 1;
      while (end < cols && selected[cy * cols + end] !== 0) end++;
      const x0 = cx * cell;
      const x1 = Math.min(w, end * cell);
      for (let y = cy * cell; y < Math.min(h, (cy + 1) * cell); y++) scan(y * w + x0, y * w + x1);
      cx = end;
    }
  }
}

/** Indices of the flagged (non-zero) pixels, skipping clean stretches four bytes at a time. */
export function flaggedPixels(mask: Uint8Array): Int32Array {
  let out: Int32Array<ArrayBuffer> = new Int32Array(1024);
  let n = 0;
  const push = (i: number) => {
    if (n === out.length) out = doubled(out);
    out[n++] = i;
  };
  const aligned = mask.byteOffset % 4 === 0;
  const words = aligned ? new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2) : null;
  let i = 0;
  if (words) {
    for (let k = 0; k < words.length; k++) {
      if (words[k] === 0) continue;
      for (let j = k << 2; j < (k << 2) + 4; j++) if (mask[j] !== 0) push(j);
    }
    i = words.length << 2;
  }
  for (; i < mask.length; i++) if (mask[i] !== 0) push(i);
  return out.subarray(0, n);
}

/**
 * dilateMask(mask, w, h, r, 'disc'): every pixel within Euclidean distance r of a flagged one, stamped
 * around each flagged pixel. Also returns how many pixels the result flags.
 */
export function dilateDisc(mask: Uint8Array, w: number, h: number, r: number): { mask: Uint8Array; count: number } {
  const out = new Uint8Array(w * h);
  const rad = Math.max(0, Math.floor(r));
  const r2 = rad * rad;
  // Half-width of the disc on each row offset: the largest dx with dx^2 + dy^2 <= r^2.
  const half = new Int32Array(2 * rad + 1);
  for (let dy = -rad; dy <= rad; dy++) {
    let dx = 0;
    while ((dx + 1) * (dx + 1) + dy * dy <= r2) dx++;
    half[dy + rad] = dx;
  }
  const flagged = flaggedPixels(mask);
  let count = 0;
  for (let k = 0; k < flagged.length; k++) {
    const p = flagged[k]!;
    const px = p % w;
    const py = (p - px) / w;
    const ya = Math.max(0, py - rad);
    const yb = Math.min(h - 1, py + rad);
    for (let y = ya; y <= yb; y++) {
      const hw = half[y - py + rad]!;
      const xa = Math.max(0, px - hw);
      const xb = Math.min(w - 1, px + hw);
      const row = y * w;
      for (let x = xa; x <= xb; x++) {
        if (out[row + x] === 0) {
          out[row + x] = 255;
          count++;
        }
      }
    }
  }
  return { mask: out, count };
}
