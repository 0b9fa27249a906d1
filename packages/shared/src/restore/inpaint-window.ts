/**
 * What the learned inpainter sees around one damaged frame, built the same way for training
 * (training/inpainting/make-train-set.ts) and for the service (diffusion-fill.ts), so the two never drift:
 *   - every neighbour of the window aligned onto the centre frame by masked block matching, with both
 *     frames' damage left out of the match (a blotch cannot pull the vectors);
 *   - the motion-compensated temporal median fill as the base picture (the reference inpainter's answer);
 *   - square tiles over the damage, each with its conditioning planes.
 */
import type { FrameLayout, Samples } from '../frames/types.js';
import { maxSampleValue, toLuma } from './luma.js';
import { medianFill } from './median-fill.js';
import { estimateMotion, fieldSampler, vectorAt, type FieldSampler, type MotionField } from './motion.js';
import type { TileRect } from './tile-rect.js';

/** Tile side fed to the denoiser. */
export const INPAINT_TILE = 64;
/** Context each tile keeps around the pixels it is trusted for (the denoiser's reach is about ±20 px). */
export const INPAINT_MARGIN = 8;
/** Neighbour frames the model reads: t-2, t-1, t+1, t+2. Missing ones are given as invalid. */
export const INPAINT_NEIGHBOURS = 4;
/** Conditioning planes per tile: base, mask, the damaged centre, the neighbours, their validity. */
export const COND_PLANES = 3 + 2 * INPAINT_NEIGHBOURS;

export interface InpaintWindow {
  layout: FrameLayout;
  centre: Samples;
  mask: Uint8Array;
  /** The median fill: the centre frame with its masked pixels replaced from the aligned neighbours. */
  base: Samples;
  /**
   * Masked pixels whose aligned neighbours disagree (medianFill's `disagree`): the base there comes from
   * the frame's own surroundings, and no neighbour is offered to the model, so it cannot paste a ghost.
   */
  untrusted: Uint8Array;
  /** Per model slot (t-2, t-1, t+1, t+2): the neighbour's samples, its damage and the sampler aligning it; null where the shot has none. */
  neighbours: ({ frame: Samples; mask: Uint8Array | null; sampler: FieldSampler } | null)[];
}

/**
 * Aligns the window's neighbours onto the centre and computes the base fill. `frames[center]` is the
 * damaged frame; the model's slots take the frames at offsets -2, -1, +1, +2 when the window has them.
 */
export function buildInpaintWindow(frames: Samples[], masks: (Uint8Array | null)[], center: number, layout: FrameLayout): InpaintWindow {
  const { width: w, height: h } = layout;
  const centre = frames[center];
  const mask = masks[center];
  if (!centre || !mask) throw new RangeError(`buildInpaintWindow: no centre frame or mask at ${center}`);
  const lumaC = toLuma(centre, layout);
  const fields: (MotionField | null)[] = frames.map((f, i) =>
    i === center || !f ? null : estimateMotion(lumaC, toLuma(f, layout), w, h, { refMask: mask, otherMask: masks[i] ?? null }),
  );
  const { data: base, disagree } = medianFill({ frames, center, masks, layout, motion: fields });
  const untrusted = new Uint8Array(w * h);
  for (const p of disagree) untrusted[p] = 1;
  const neighbours = [-2, -1, 1, 2].map((d) => {
    const i = center + d;
    const frame = frames[i];
    const field = fields[i];
    return frame && field ? { frame, mask: masks[i] ?? null, sampler: fieldSampler(field, w, h) } : null;
  });
  return { layout, centre, mask, base, untrusted, neighbours };
}

/** A tile: the rectangle fed to the model and the part of it whose masked pixels it repaints. */
export type InpaintTile = TileRect;

/**
 * Tiles covering every masked pixel: the frame is cut into cells of INPAINT_TILE - 2 * INPAINT_MARGIN,
 * each cell holding damage gets a tile of INPAINT_TILE around it, shifted inside the frame (all tiles of a
 * frame have one size, so they batch).
 */
export function damageTiles(mask: Uint8Array, W: number, H: number): InpaintTile[] {
  const tw = Math.min(INPAINT_TILE, W);
  const th = Math.min(INPAINT_TILE, H);
  const cell = INPAINT_TILE - 2 * INPAINT_MARGIN;
  const tiles: InpaintTile[] = [];
  for (let cy = 0; cy < H; cy += cell) {
    for (let cx = 0; cx < W; cx += cell) {
      const x1 = Math.min(W, cx + cell);
      const y1 = Math.min(H, cy + cell);
      if (!anyIn(mask, W, cx, cy, x1, y1)) continue;
      const x = Math.min(Math.max(0, cx - INPAINT_MARGIN), W - tw);
      const y = Math.min(Math.max(0, cy - INPAINT_MARGIN), H - th);
      tiles.push({ x, y, w: tw, h: th, keepX0: cx, keepX1: x1, keepY0: cy, keepY1: y1 });
    }
  }
  return tiles;
}

function anyIn(mask: Uint8Array, W: number, x0: number, y0: number, x1: number, y1: number): boolean {
  for (let y = y0; y < y1; y++) for (let i = y * W + x0, e = y * W + x1; i < e; i++) if (mask[i] !== 0) return true;
  return false;
}

/**
 * Writes one channel's conditioning planes for a tile into `out` at `offset` (COND_PLANES x th x tw,
 * samples scaled to [0,1]): base, mask (1 = repaint), the damaged centre, the four aligned neighbours (nearest sampling keeps
 * their grain; the base where a neighbour cannot vouch) and their validity (1 = inside the frame and clean).
 */
export function conditionTile(win: InpaintWindow, tile: InpaintTile, channel: number, out: Float32Array, offset: number): void {
  const { width: W, height: H, channels: C, bits } = win.layout;
  const scale = 1 / maxSampleValue(bits);
  const plane = tile.w * tile.h;
  const v = new Float64Array(2);
  for (let ty = 0; ty < tile.h; ty++) {
    const y = tile.y + ty;
    for (let tx = 0; tx < tile.w; tx++) {
      const x = tile.x + tx;
      const p = y * W + x;
      const o = offset + ty * tile.w + tx;
      const base = win.base[p * C + channel]! * scale;
      out[o] = base;
      out[o + plane] = win.mask[p] !== 0 ? 1 : 0;
      // The scan itself under the mask: the dilation ring and faint damage still carry the true picture and grain.
      out[o + 2 * plane] = win.centre[p * C + channel]! * scale;
      for (let k = 0; k < INPAINT_NEIGHBOURS; k++) {
        const n = win.neighbours[k];
        let value = base;
        let valid = 0;
        if (n && win.untrusted[p] === 0) {
          vectorAt(n.sampler, x, y, v);
          const sx = Math.round(x + v[0]!);
          const sy = Math.round(y + v[1]!);
          if (sx >= 0 && sx < W && sy >= 0 && sy < H) {
            const q = sy * W + sx;
            if (n.mask === null || n.mask[q] === 0) {
              value = n.frame[q * C + channel]! * scale;
              valid = 1;
            }
          }
        }
        out[o + (3 + k) * plane] = value;
        out[o + (3 + INPAINT_NEIGHBOURS + k) * plane] = valid;
      }
    }
  }
}
