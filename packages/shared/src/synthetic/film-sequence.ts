/**
 * The contract of the benchmark's synthetic data (issue 3): film-like clean sequences with damage of known
 * position and class. The generator implements it; the benchmark, the tests, the demo and the training
 * scripts consume it. One generator, not two.
 */
import type { FrameLayout, Samples } from '../frames/types.js';

/** Per-pixel class ids in `BenchSequence.classes`. 0 = undamaged. */
export const DAMAGE_CLASSES = ['none', 'dust', 'dirt', 'hair', 'lint', 'scratch', 'blotch'] as const;
export type DamageClass = (typeof DAMAGE_CLASSES)[number];

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
}
