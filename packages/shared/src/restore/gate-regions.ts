/**
 * The temporal gate's units of judgement: connected regions of the segmenter's mask, and the split of a
 * region that joins things of different kinds. A scratch crossing a blotch, or a band of thin wires crossed
 * by a rain streak, comes out of the segmenter as one region; judged whole, the part a neighbour holds (the
 * scratch, the wires) decides for the rest. Split, the line goes to the line tests and the blotch to the
 * region tests.
 */
import { dilateMask } from './morphology.js';

export interface Region {
  pixels: Int32Array;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** 8-connected regions of the mask with their pixel lists and boxes; memory follows the flagged pixels, not the frame. */
export function regionsOf(mask: Uint8Array, w: number, h: number, count: number): Region[] {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(count);
  const regions: Region[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || seen[start] !== 0) continue;
    let sp = 0;
    const list: number[] = [];
    stack[sp++] = start;
    seen[start] = 1;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    while (sp > 0) {
      const p = stack[--sp]!;
      list.push(p);
      const px = p % w;
      const py = (p - px) / w;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
      for (let y = Math.max(0, py - 1); y <= Math.min(h - 1, py + 1); y++) {
        for (let x = Math.max(0, px - 1); x <= Math.min(w - 1, px + 1); x++) {
          const q = y * w + x;
          if (mask[q] !== 0 && seen[q] === 0) {
            seen[q] = 1;
            stack[sp++] = q;
          }
        }
      }
    }
    regions.push({ pixels: Int32Array.from(list), x0, y0, x1: x1 + 1, y1: y1 + 1 });
  }
  return regions;
}

/** A region's spread along and across its principal axis (standard deviations, px) and its unit normal. */
export function principalAxes(r: Region, w: number): { major: number; minor: number; normal: [number, number] } {
  let mx = 0;
  let my = 0;
  for (const p of r.pixels) {
    mx += p % w;
    my += Math.floor(p / w);
  }
  mx /= r.pixels.length;
  my /= r.pixels.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of r.pixels) {
    const dx = (p % w) - mx;
    const dy = Math.floor(p / w) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const n = r.pixels.length;
  const mean = (sxx + syy) / (2 * n);
  const spread = Math.sqrt(((sxx - syy) / (2 * n)) ** 2 + (sxy / n) ** 2);
  // The major axis is at angle θ with tan 2θ = 2 sxy / (sxx − syy); the normal is perpendicular to it.
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  return { major: Math.sqrt(mean + spread), minor: Math.sqrt(Math.max(0, mean - spread)), normal: [-Math.sin(theta), Math.cos(theta)] };
}

/** What makes a thin part a line of its own: thinner than `thickness` (px), at least `length` long (px) and `elongation` times longer than thick. */
export interface LineShape {
  thickness: number;
  length: number;
  elongation: number;
}

/**
 * The region's thin parts that are lines (narrower than `shape.thickness`, long and elongated), each as a
 * region of its own, and the rest regrouped by connectivity; the region itself when it holds no such
 * line or nothing else. The thin parts are what a morphological opening removes.
 */
export function splitMixed(r: Region, w: number, shape: LineShape): Region[] {
  const rad = Math.max(1, Math.floor(shape.thickness / 2));
  const bw = r.x1 - r.x0;
  const bh = r.y1 - r.y0;
  // Cheap refusals first: a region too small to hold a line and anything else, or too thin to hold a blob.
  if (Math.max(bw, bh) < shape.length || Math.min(bw, bh) <= 2 * rad) return [r];
  // The region on its box, with a margin of background so that erosion treats outside as outside.
  const m = rad + 1;
  const sw = bw + 2 * m;
  const sh = bh + 2 * m;
  const sub = new Uint8Array(sw * sh);
  const toSub = (p: number) => ((Math.floor(p / w) - r.y0 + m) * sw + (p % w) - r.x0 + m);
  for (const p of r.pixels) sub[toSub(p)] = 1;
  const outside = new Uint8Array(sw * sh);
  for (let i = 0; i < sub.length; i++) outside[i] = sub[i] ? 0 : 1;
  const eroded = dilateMask(outside, sw, sh, rad, 'square');
  for (let i = 0; i < eroded.length; i++) eroded[i] = eroded[i] ? 0 : 1;
  const opened = dilateMask(eroded, sw, sh, rad, 'square');
  const thinPart = new Uint8Array(sw * sh);
  let thinCount = 0;
  for (let i = 0; i < sub.length; i++) {
    if (sub[i] && !opened[i]) {
      thinPart[i] = 1;
      thinCount++;
    }
  }
  if (thinCount === 0 || thinCount === r.pixels.length) return [r];
  const fromSub = (q: number) => (Math.floor(q / sw) - m + r.y0) * w + (q % sw) - m + r.x0;
  const toFrame = (part: Region): Region => {
    const pixels = Int32Array.from(part.pixels, fromSub);
    return { pixels, x0: part.x0 - m + r.x0, y0: part.y0 - m + r.y0, x1: part.x1 - m + r.x0, y1: part.y1 - m + r.y0 };
  };
  const lines: Region[] = [];
  for (const part of regionsOf(thinPart, sw, sh, thinCount)) {
    // A uniform stroke of length L has a standard deviation of L / √12 along it.
    const { major, minor } = principalAxes(part, sw);
    if (major * Math.sqrt(12) < shape.length || major < shape.elongation * Math.max(minor, 0.5)) continue;
    lines.push(part);
    for (const q of part.pixels) sub[q] = 0;
  }
  if (lines.length === 0) return [r];
  const restCount = r.pixels.length - lines.reduce((n, l) => n + l.pixels.length, 0);
  const rest = restCount > 0 ? regionsOf(sub, sw, sh, restCount) : [];
  return [...lines, ...rest].map(toFrame);
}

/**
 * The unflagged pixels between `from` and `to` px (square distance) of the region: its surroundings
 * following its outline, where a box's ring would mostly hold what lies beside a long diagonal region.
 */
export function outlineRing(r: Region, mask: Uint8Array, w: number, h: number, from: number, to: number): Int32Array {
  const x0 = Math.max(0, r.x0 - to);
  const y0 = Math.max(0, r.y0 - to);
  const sw = Math.min(w, r.x1 + to) - x0;
  const sh = Math.min(h, r.y1 + to) - y0;
  const sub = new Uint8Array(sw * sh);
  for (const p of r.pixels) sub[(Math.floor(p / w) - y0) * sw + (p % w) - x0] = 1;
  const near = dilateMask(sub, sw, sh, from, 'square');
  const far = dilateMask(sub, sw, sh, to, 'square');
  const out: number[] = [];
  for (let i = 0; i < sub.length; i++) {
    if (!far[i] || near[i]) continue;
    const p = (Math.floor(i / sw) + y0) * w + (i % sw) + x0;
    if (mask[p] === 0) out.push(p);
  }
  return Int32Array.from(out);
}
