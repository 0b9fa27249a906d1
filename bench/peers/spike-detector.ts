/**
 * The classical detector over a whole sequence: detectSpikesForFrame on every frame with its direct
 * neighbours (one-sided at the ends), at the service's defaults. The undilated mask comes back too:
 * dilation is the detector's last step, so dilating it afterwards gives exactly the service's mask,
 * and the pair shows what the safety margin costs in precision.
 */
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { detectSpikesForFrame } from '@reelrestore/shared/restore/spike-detect';
import { dilateMask } from '@reelrestore/shared/restore/morphology';
import { configSchema } from '@reelrestore/shared/config';

const defaults = configSchema.parse({});
export const SPIKE_THRESHOLD = defaults.SPIKE_THRESHOLD;
export const MASK_DILATE = defaults.MASK_DILATE;

export interface SpikeMasks {
  /** As the service uses them (dilated by MASK_DILATE). */
  masks: Uint8Array[];
  raw: Uint8Array[];
}

export function detectSequence(frames: Samples[], layout: FrameLayout): SpikeMasks {
  const raw: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  for (let t = 0; t < frames.length; t++) {
    const r = detectSpikesForFrame({
      prev: frames[t - 1] ?? null,
      cur: frames[t]!,
      next: frames[t + 1] ?? null,
      layout,
      threshold: SPIKE_THRESHOLD,
      dilate: 0,
    });
    raw.push(r.mask);
    masks.push(dilateMask(r.mask, layout.width, layout.height, MASK_DILATE, 'disc'));
  }
  return { masks, raw };
}
