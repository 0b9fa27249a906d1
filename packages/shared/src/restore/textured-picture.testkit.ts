/**
 * For tests of the motion-compensated detector: a smooth textured picture seen through a camera, with
 * fresh grain per frame, so that alignment has something to lock onto and grain something to hide.
 */
import { fillNormal } from '../synthetic/random.js';

export interface TexturedPicture {
  width: number;
  height: number;
  /** The camera's position on the picture: frame (x, y) shows the picture at (x + cx, y + cy). */
  cx: number;
  cy: number;
  seed: number;
  /** Grain std (default 0.012). */
  grain?: number;
  /** 1: another picture altogether (a jump); 2: the smooth one with rows of sharp dark lettering; default 0. */
  pattern?: 0 | 1 | 2;
  /** Magnification about the frame's centre (default 1): a zoom's frames each take their own. */
  zoom?: number;
}

export function texturedPicture(o: TexturedPicture): Float32Array {
  const { width: W, height: H } = o;
  const out = new Float32Array(W * H);
  fillNormal(out, o.seed);
  const grain = o.grain ?? 0.012;
  const zoom = o.zoom ?? 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = (x - W / 2) / zoom + W / 2 + o.cx;
      const v = (y - H / 2) / zoom + H / 2 + o.cy;
      const tex = o.pattern === 1 ? 0.5 + 0.25 * Math.cos(u / 3.1 + v / 4.7) : 0.5 + 0.18 * Math.sin(u / 6.3) * Math.cos(v / 8.1) + 0.1 * Math.sin((u + 2 * v) / 13.7);
      out[y * W + x] = (o.pattern === 2 ? tex - 0.45 * lettering(u, v, 1 / zoom) : tex) + grain * out[y * W + x]!;
    }
  }
  return out;
}

/**
 * The share of the pixel at picture position (u, v), `size` picture units wide, that dark lettering covers:
 * strokes 2 units wide in letter cells of 7 x 12, point-sampled 4 x 4 within the pixel, so that edges
 * fall between pixels as a zoom moves them.
 */
function lettering(u: number, v: number, size: number): number {
  let covered = 0;
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 4; i++) {
      const a = u + ((i + 0.5) / 4 - 0.5) * size;
      const b = v + ((j + 0.5) / 4 - 0.5) * size;
      const cx = ((a % 7) + 7) % 7;
      const cy = ((b % 12) + 12) % 12;
      // A letter: an upright on the left, a bar at the top and one in the middle; a space between rows.
      if (cy < 9 && cx < 5 && (cx < 2 || cy < 2 || (cy >= 4 && cy < 6))) covered++;
    }
  }
  return covered / 16;
}
