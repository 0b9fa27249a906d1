/**
 * The learned inpainter over a whole sequence: diffusionFill of each frame from a window of ±CONTEXT_FRAMES
 * (clipped at the sequence's ends) at the service's defaults, given a mask per frame (the true one or a
 * detector's). Runs in this thread.
 */
import { existsSync } from 'node:fs';
import { configSchema } from '@reelrestore/shared/config';
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { defaultInpaintModelPath, diffusionFill, diffusionSettings } from '@reelrestore/shared/restore/diffusion-fill';
import { denoiserRunner } from '@reelrestore/shared/workers/compute-tasks';

const defaults = configSchema.parse({});

/** Whether the model file is there: the bench scores the learned inpainter only when it is. */
export function hasInpaintModel(modelPath = defaultInpaintModelPath()): boolean {
  return existsSync(modelPath);
}

export async function diffusionFillSequence(
  frames: Samples[],
  masks: Uint8Array[],
  layout: FrameLayout,
  opts: { radius?: number; steps?: number; grain?: number; modelPath?: string } = {},
): Promise<Samples[]> {
  const run = await denoiserRunner(opts.modelPath ?? defaultInpaintModelPath());
  const radius = opts.radius ?? defaults.CONTEXT_FRAMES;
  const out: Samples[] = [];
  for (let t = 0; t < frames.length; t++) {
    const lo = Math.max(0, t - radius);
    const hi = Math.min(frames.length - 1, t + radius);
    const { data } = await diffusionFill(
      { frames: frames.slice(lo, hi + 1), masks: masks.slice(lo, hi + 1), center: t - lo, layout, frameNumber: t },
      run,
      { ...diffusionSettings(defaults), ...(opts.steps ? { steps: opts.steps } : {}), ...(opts.grain !== undefined ? { grain: opts.grain } : {}) },
    );
    out.push(data);
  }
  return out;
}
