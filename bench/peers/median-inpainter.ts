/**
 * The classical inpainter over a whole sequence: medianFill of each frame from a window of ±CONTEXT_FRAMES
 * (clipped at the sequence's ends), given a mask per frame (the true one or a detector's).
 */
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { medianFill } from '@reelrestore/shared/restore/median-fill';
import { configSchema } from '@reelrestore/shared/config';

export const CONTEXT_FRAMES = configSchema.parse({}).CONTEXT_FRAMES;

export function medianFillSequence(frames: Samples[], masks: Uint8Array[], layout: FrameLayout, radius = CONTEXT_FRAMES): Samples[] {
  const out: Samples[] = [];
  for (let t = 0; t < frames.length; t++) {
    const lo = Math.max(0, t - radius);
    const hi = Math.min(frames.length - 1, t + radius);
    const r = medianFill({
      frames: frames.slice(lo, hi + 1),
      center: t - lo,
      masks: masks.slice(lo, hi + 1),
      layout,
    });
    out.push(r.data);
  }
  return out;
}
