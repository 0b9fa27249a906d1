/**
 * Binary mask morphology shared by detection and inpainting. Masks are w*h Uint8Array, non-zero =
 * flagged on input, 255 = flagged on output.
 */

export type DilateShape = 'square' | 'disc';

/** Number of flagged pixels. */
export function countMask(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}

/**
 * Per row, the horizontal distance to the nearest flagged pixel (capped at r + 1): two linear sweeps,
 * the building block of both dilation shapes.
 */
function rowDistances(mask: Uint8Array, w: number, h: number, r: number): Uint8Array | Uint16Array {
  const cap = Math.min(65535, r + 1);
  // Bytes are enough for the usual small radii: half the memory of a whole-frame Uint16Array at 4K.
  const out = cap <= 255 ? new Uint8Array(w * h) : new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let d = cap;
    for (let x = 0; x < w; x++) {
      d = mask[row + x] !== 0 ? 0 : d < cap ? d + 1 : cap;
      out[row + x] = d;
    }
    d = cap;
    for (let x = w - 1; x >= 0; x--) {
      d = mask[row + x] !== 0 ? 0 : d < cap ? d + 1 : cap;
      if (d < out[row + x]!) out[row + x] = d;
    }
  }
  return out;
}

/**
 * Grows a mask by r pixels: 'square' is a (2r+1)^2 box (separable, O(n) whatever r); 'disc' keeps pixels
 * whose Euclidean distance to a flagged pixel is at most r, a tighter fit around round specks (O(n r)).
 */
export function dilateMask(mask: Uint8Array, w: number, h: number, r: number, shape: DilateShape = 'disc'): Uint8Array {
  const out = new Uint8Array(w * h);
  const rad = Math.max(0, Math.floor(r));
  if (rad === 0) {
    for (let i = 0; i < out.length; i++) out[i] = mask[i] !== 0 ? 255 : 0;
    return out;
  }
  const dist = rowDistances(mask, w, h, rad);
  if (shape === 'square') {
    // A pixel is hit when a row within rad of it has a flagged pixel within rad of its column: a count
    // per column of such rows in the sliding window of rows y - rad .. y + rad.
    const rows = new Int32Array(w);
    const slide = (yy: number, by: number) => {
      if (yy < 0 || yy >= h) return;
      for (let x = 0, i = yy * w; x < w; x++, i++) if (dist[i]! <= rad) rows[x] = rows[x]! + by;
    };
    for (let yy = 0; yy < rad; yy++) slide(yy, 1);
    for (let y = 0; y < h; y++) {
      slide(y + rad, 1);
      for (let x = 0, i = y * w; x < w; x++, i++) if (rows[x] !== 0) out[i] = 255;
      slide(y - rad, -1);
    }
    return out;
  }
  const r2 = rad * rad;
  for (let y = 0; y < h; y++) {
    const ys = Math.max(0, y - rad);
    const ye = Math.min(h - 1, y + rad);
    for (let x = 0; x < w; x++) {
      let hit = false;
      for (let yy = ys; yy <= ye && !hit; yy++) {
        const dx = dist[yy * w + x]!;
        const dy = yy - y;
        hit = dx <= rad && dx * dx + dy * dy <= r2;
      }
      if (hit) out[y * w + x] = 255;
    }
  }
  return out;
}

/**
 * Labels 8-connected components of flagged pixels. Returns labels (0 = background, 1..count) and
 * each label's area at areas[label].
 */
export function labelComponents(
  mask: Uint8Array,
  w: number,
  h: number,
): { labels: Int32Array; count: number; areas: Int32Array } {
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const areaList: number[] = [0];
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    count++;
    let area = 0;
    let sp = 0;
    stack[sp++] = start;
    labels[start] = count;
    while (sp > 0) {
      const p = stack[--sp]!;
      area++;
      const px = p % w;
      const py = (p - px) / w;
      const x0 = px > 0 ? px - 1 : px;
      const x1 = px < w - 1 ? px + 1 : px;
      const y0 = py > 0 ? py - 1 : py;
      const y1 = py < h - 1 ? py + 1 : py;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const q = y * w + x;
          if (mask[q] !== 0 && labels[q] === 0) {
            labels[q] = count;
            stack[sp++] = q;
          }
        }
      }
    }
    areaList.push(area);
  }
  return { labels, count, areas: Int32Array.from(areaList) };
}

/** Drops 8-connected components smaller than minArea (isolated grain hits are single pixels). */
export function removeSmallComponents(mask: Uint8Array, w: number, h: number, minArea: number): Uint8Array {
  const out = new Uint8Array(w * h);
  if (minArea <= 1) {
    for (let i = 0; i < out.length; i++) out[i] = mask[i] !== 0 ? 255 : 0;
    return out;
  }
  const { labels, areas } = labelComponents(mask, w, h);
  for (let i = 0; i < out.length; i++) {
    const l = labels[i]!;
    if (l !== 0 && areas[l]! >= minArea) out[i] = 255;
  }
  return out;
}

/**
 * Hysteresis growth: every `weak` pixel 8-connected (through weak pixels) to a `seed` pixel joins the
 * result, which recovers the soft edges of a speck that only its core passed the strict test for.
 */
export function growHysteresis(seed: Uint8Array, weak: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  // Every pixel is pushed at most once, and only seeds and weak pixels are: size the stack by them, not by
  // the frame (a whole-frame stack is 51 MB at 4K).
  let pushes = 0;
  for (let i = 0; i < seed.length; i++) if (seed[i] !== 0 || weak[i] !== 0) pushes++;
  const stack = new Int32Array(pushes);
  let sp = 0;
  for (let i = 0; i < seed.length; i++) {
    if (seed[i] !== 0) {
      out[i] = 255;
      stack[sp++] = i;
    }
  }
  growFrom(out, stack, sp, w, h, (q) => weak[q] !== 0);
  return out;
}

/**
 * Marks (255 in `out`) every pixel 8-connected to the first `count` pixels of `stack` (already marked)
 * through pixels `joins` accepts. The stack is grown when it fills; each pixel is pushed at most once.
 */
export function growFrom(out: Uint8Array, stack: Int32Array, count: number, w: number, h: number, joins: (q: number) => boolean): void {
  let s = stack;
  let sp = count;
  while (sp > 0) {
    const p = s[--sp]!;
    const px = p % w;
    const py = (p - px) / w;
    const x0 = px > 0 ? px - 1 : px;
    const x1 = px < w - 1 ? px + 1 : px;
    const y0 = py > 0 ? py - 1 : py;
    const y1 = py < h - 1 ? py + 1 : py;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const q = y * w + x;
        if (out[q] === 0 && joins(q)) {
          if (sp === s.length) s = doubled(s);
          out[q] = 255;
          s[sp++] = q;
        }
      }
    }
  }
}

/** A copy of `a` in an array twice as long. */
export function doubled(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}
