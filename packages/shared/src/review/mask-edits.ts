import type { Rect } from './edits.js';

/**
 * Pixel operations of review edits on an 8-bit mask (255 = repaint). Regions are 8-connected, as the console
 * draws them, so a click selects exactly the region the restorer sees.
 */

/** How far from a click a repaired pixel may be and still be the one meant: a thin scratch is hard to hit at fit zoom. */
export const CLICK_REACH = 6;

export interface MaskRegion {
  /** Indices of the region's pixels. */
  pixels: number[];
  box: Rect;
}

/** The repaired region at (x, y), or the nearest one within CLICK_REACH pixels; null when there is none. */
export function regionAt(mask: Uint8Array, width: number, height: number, x: number, y: number): MaskRegion | null {
  const seed = nearestSet(mask, width, height, x, y);
  return seed < 0 ? null : floodRegion(mask, width, height, seed, new Uint8Array(mask.length));
}

/** Every repaired region of a mask, largest first (the console's "next repair"). */
export function regionsOf(mask: Uint8Array, width: number, height: number): MaskRegion[] {
  const seen = new Uint8Array(mask.length);
  const regions: MaskRegion[] = [];
  for (let p = 0; p < mask.length; p++) if (mask[p] && !seen[p]) regions.push(floodRegion(mask, width, height, p, seen));
  return regions.sort((a, b) => b.pixels.length - a.pixels.length);
}

/** The 8-connected region holding `seed`; its pixels are marked in `seen`. */
function floodRegion(mask: Uint8Array, width: number, height: number, seed: number, seen: Uint8Array): MaskRegion {
  const pixels: number[] = [];
  const stack = [seed];
  seen[seed] = 1;
  while (stack.length) {
    const p = stack.pop()!;
    pixels.push(p);
    const px = p % width;
    const py = (p - px) / width;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = px + dx;
        const ny = py + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (!seen[q] && mask[q]) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  return { pixels, box: boxOf(pixels, width)! };
}

/** The bounding box of pixel indices, or null for none. */
function boxOf(pixels: readonly number[], width: number): Rect | null {
  if (pixels.length === 0) return null;
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (const p of pixels) {
    const x = p % width;
    const y = (p - x) / width;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

function nearestSet(mask: Uint8Array, width: number, height: number, x: number, y: number): number {
  let best = -1;
  let bestD = Infinity;
  for (let py = Math.max(0, y - CLICK_REACH); py <= Math.min(height - 1, y + CLICK_REACH); py++) {
    for (let px = Math.max(0, x - CLICK_REACH); px <= Math.min(width - 1, x + CLICK_REACH); px++) {
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (mask[py * width + px] && d < bestD && d <= CLICK_REACH ** 2) {
        bestD = d;
        best = py * width + px;
      }
    }
  }
  return best;
}

/** Sets every pixel within `radius` of the path through `points` (a round brush dragged along it). Returns what it covered. */
export function paintStroke(mask: Uint8Array, width: number, height: number, points: readonly (readonly [number, number])[], radius: number): { pixels: number; box: Rect | null } {
  const covered = new Uint8Array(mask.length);
  points.forEach(([bx, by], i) => {
    const [ax, ay] = i > 0 ? points[i - 1]! : [bx, by];
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let py = Math.max(0, Math.ceil(Math.min(ay, by) - radius)); py <= Math.min(height - 1, Math.floor(Math.max(ay, by) + radius)); py++) {
      for (let px = Math.max(0, Math.ceil(Math.min(ax, bx) - radius)); px <= Math.min(width - 1, Math.floor(Math.max(ax, bx) + radius)); px++) {
        // Distance to the segment a–b: to its nearest point, clamped to the ends.
        const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
        if ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2 <= radius * radius) covered[py * width + px] = 1;
      }
    }
  });
  const set: number[] = [];
  for (let i = 0; i < covered.length; i++) {
    if (!covered[i]) continue;
    mask[i] = 255;
    set.push(i);
  }
  return { pixels: set.length, box: boxOf(set, width) };
}

export function clearRegion(mask: Uint8Array, region: MaskRegion): void {
  for (const p of region.pixels) mask[p] = 0;
}
