/**
 * Small anti-aliased drawing helpers shared by the picture-content modules (actors, painted detail, rain,
 * gate borders). Everything here draws soft, sub-pixel edges: a film frame never has aliased stair-steps,
 * and hard 0/1 edges would give a detector an easy cue that real picture content does not have.
 */
import type { Exposure } from './film-look.js';

/** 0..1 coverage from a signed distance (positive inside) with an edge `soft` pixels wide on each side. */
export function smoothEdge(d: number, soft: number): number {
  const t = (d + soft) / (2 * soft);
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

/** Distance from (px, py) to the segment a-b. */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - (ax + t * dx);
  const ey = py - (ay + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

/** A float image with its own size and channel count (plates and frames both fit). */
export interface Canvas {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
  /**
   * A frame's exposure (flicker, vignette): scene values drawn onto an exposed frame go through it, so a
   * thing in the scene brightens and darkens with the picture around it.
   */
  exposure?: Exposure;
}

/** A value in scene units at pixel p seen through the canvas's exposure. */
export function exposed(canvas: Canvas, p: number, v: number): number {
  const e = canvas.exposure;
  if (!e) return v;
  const y = Math.floor(p / canvas.width);
  return v * e.colGain[p - y * canvas.width]! * e.rowGain[y]! + e.offset;
}

/**
 * Moves pixel p of `canvas` towards `value` (one value for all channels, or per channel) by `alpha`:
 * the "over" operator with a flat colour, in the canvas's own units.
 */
export function blendPixel(canvas: Canvas, p: number, alpha: number, value: number | readonly number[]): void {
  const C = canvas.channels;
  const i = p * C;
  const d = canvas.data;
  if (typeof value === 'number') {
    const v = exposed(canvas, p, value);
    for (let c = 0; c < C; c++) d[i + c] = d[i + c]! + alpha * (v - d[i + c]!);
  } else {
    for (let c = 0; c < C; c++) d[i + c] = d[i + c]! + alpha * (exposed(canvas, p, value[c]!) - d[i + c]!);
  }
}

/**
 * Draws a polyline of width `width` (pixels, full width) with soft edges, pulling the canvas towards
 * `value` with peak opacity `opacity`. Each pixel takes the largest coverage of any segment, so joints do
 * not double up into dark knots.
 */
export function drawPolyline(
  canvas: Canvas,
  pts: readonly (readonly [number, number])[],
  width: number,
  value: number | readonly number[],
  opacity: number,
  soft = 0.6,
): void {
  if (pts.length < 2) return;
  const half = width / 2;
  const reach = half + soft + 1;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of pts) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const x0 = Math.max(0, Math.floor(minX - reach));
  const x1 = Math.min(canvas.width - 1, Math.ceil(maxX + reach));
  const y0 = Math.max(0, Math.floor(minY - reach));
  const y1 = Math.min(canvas.height - 1, Math.ceil(maxY + reach));
  if (x0 > x1 || y0 > y1) return;
  const bw = x1 - x0 + 1;
  const cover = new Float32Array(bw * (y1 - y0 + 1));
  for (let s = 0; s + 1 < pts.length; s++) {
    const [ax, ay] = pts[s]!;
    const [bx, by] = pts[s + 1]!;
    const sx0 = Math.max(x0, Math.floor(Math.min(ax, bx) - reach));
    const sx1 = Math.min(x1, Math.ceil(Math.max(ax, bx) + reach));
    const sy0 = Math.max(y0, Math.floor(Math.min(ay, by) - reach));
    const sy1 = Math.min(y1, Math.ceil(Math.max(ay, by) + reach));
    for (let y = sy0; y <= sy1; y++) {
      for (let x = sx0; x <= sx1; x++) {
        const a = smoothEdge(half - segmentDistance(x + 0.5, y + 0.5, ax, ay, bx, by), soft);
        const k = (y - y0) * bw + (x - x0);
        if (a > cover[k]!) cover[k] = a;
      }
    }
  }
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const a = cover[(y - y0) * bw + (x - x0)]!;
      if (a > 0) blendPixel(canvas, y * canvas.width + x, a * opacity, value);
    }
  }
}

/** A soft disc of radius r at (cx, cy). */
export function drawDot(canvas: Canvas, cx: number, cy: number, r: number, value: number | readonly number[], opacity: number, soft = 0.5): void {
  const reach = r + soft + 1;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(canvas.width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(canvas.height - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      // Sub-pixel dots keep their total ink: a smaller radius spreads as a fainter pixel, not nothing.
      const a = r < 0.7 ? smoothEdge(0.7 - Math.sqrt(dx * dx + dy * dy), soft) * ((r / 0.7) * (r / 0.7)) : smoothEdge(r - Math.sqrt(dx * dx + dy * dy), soft);
      if (a > 0) blendPixel(canvas, y * canvas.width + x, a * opacity, value);
    }
  }
}

/** An axis-aligned soft-edged rectangle [x, x+w) x [y, y+h). */
export function drawRect(canvas: Canvas, x: number, y: number, w: number, h: number, value: number | readonly number[], opacity: number, soft = 0.5): void {
  const x0 = Math.max(0, Math.floor(x - soft - 1));
  const x1 = Math.min(canvas.width - 1, Math.ceil(x + w + soft + 1));
  const y0 = Math.max(0, Math.floor(y - soft - 1));
  const y1 = Math.min(canvas.height - 1, Math.ceil(y + h + soft + 1));
  const cx = x + w / 2;
  const cy = y + h / 2;
  for (let py = y0; py <= y1; py++) {
    const ay = smoothEdge(h / 2 - Math.abs(py + 0.5 - cy), soft);
    if (ay <= 0) continue;
    for (let px = x0; px <= x1; px++) {
      const a = ay * smoothEdge(w / 2 - Math.abs(px + 0.5 - cx), soft);
      if (a > 0) blendPixel(canvas, py * canvas.width + px, a * opacity, value);
    }
  }
}

/** Bilinear sample of one channel of a canvas, clamped at its edges. */
export function sampleBilinear(canvas: Canvas, x: number, y: number, c: number): number {
  const W = canvas.width;
  const H = canvas.height;
  const C = canvas.channels;
  const u = x - 0.5;
  const v = y - 0.5;
  const iu = Math.floor(u);
  const iv = Math.floor(v);
  const fu = u - iu;
  const fv = v - iv;
  const x0 = iu < 0 ? 0 : iu >= W ? W - 1 : iu;
  const x1 = iu + 1 < 0 ? 0 : iu + 1 >= W ? W - 1 : iu + 1;
  const y0 = iv < 0 ? 0 : iv >= H ? H - 1 : iv;
  const y1 = iv + 1 < 0 ? 0 : iv + 1 >= H ? H - 1 : iv + 1;
  const d = canvas.data;
  const a = d[(y0 * W + x0) * C + c]!;
  const b = d[(y0 * W + x1) * C + c]!;
  const e = d[(y1 * W + x0) * C + c]!;
  const g = d[(y1 * W + x1) * C + c]!;
  return (a + (b - a) * fu) * (1 - fv) + (e + (g - e) * fu) * fv;
}
