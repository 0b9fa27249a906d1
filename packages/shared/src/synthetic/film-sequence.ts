/**
 * The contract of the benchmark's synthetic data (issue 3): film-like clean sequences with damage of known
 * position and class. The generator implements it; the benchmark, the tests, the demo and the training
 * scripts consume it. One generator, not two.
 */
import type { FrameLayout, Samples } from '../frames/types.js';
import { toLuma } from '../restore/luma.js';

/** Per-pixel class ids in `BenchSequence.classes`. 0 = undamaged. */
export const DAMAGE_CLASSES = ['none', 'dust', 'dirt', 'hair', 'lint', 'scratch', 'blotch'] as const;
export type DamageClass = (typeof DAMAGE_CLASSES)[number];

/**
 * Luma change, in [0,1], below which marked damage counts as faint: it is lost in the grain (whose sigma
 * is 0.012-0.03 here), so a detector is neither credited for finding it nor blamed for missing it. The
 * training code (training/segmentation/data.py) uses the same value.
 */
export const VISIBLE_CONTRAST = 0.03;

/**
 * Per pixel of one frame: 2 = visible damage, 1 = faint damage (marked, but changing luma by less than
 * VISIBLE_CONTRAST), 0 = undamaged.
 */
export function damageVisibility(damaged: Samples, clean: Samples, mask: Uint8Array, layout: FrameLayout): Uint8Array {
  const out = new Uint8Array(mask.length);
  let any = false;
  for (let i = 0; i < mask.length && !any; i++) any = mask[i] !== 0;
  if (!any) return out;
  const d = toLuma(damaged, layout);
  const c = toLuma(clean, layout);
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out[i] = Math.abs(d[i]! - c[i]!) >= VISIBLE_CONTRAST ? 2 : 1;
  return out;
}

export interface BenchSequence {
  /** Stable, file-name safe, e.g. "s03-grey16-pan". */
  name: string;
  layout: FrameLayout;
  clean: Samples[];
  damaged: Samples[];
  /** Per frame, 255 where damage is visible (the damaged frame differs from the clean one), else 0. */
  masks: Uint8Array[];
  /** Per frame, the DAMAGE_CLASSES index of each pixel (0 where masks is 0). */
  classes: Uint8Array[];
  /** What made it, for the report: source image, motion, grain, damage counts. */
  meta: Record<string, unknown>;
  /** Only when asked for (`regrain`): the clean frames with an independent grain draw. */
  regrained?: Samples[];
}
