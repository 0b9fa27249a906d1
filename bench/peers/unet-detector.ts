/**
 * The learned detector over a whole sequence: segmentFrameUnet on every frame with its ±2 window (mirrored
 * at the ends, as in training), at the service's defaults (cascade included), run in this thread. Like the spike detector,
 * the undilated mask comes back too.
 */
import { configSchema } from '@reelrestore/shared/config';
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { framesPast } from '@reelrestore/shared/restore/align-window';
import { toLuma } from '@reelrestore/shared/restore/luma';
import { dilateMask } from '@reelrestore/shared/restore/morphology';
import { defaultSegmentModelPath, segmentFrameUnet, UNET_WINDOW, unetSettings, type RunModel } from '@reelrestore/shared/restore/unet-segment';
import { modelRunner } from '@reelrestore/shared/workers/compute-tasks';
import type { SpikeMasks } from './spike-detector.js';

// The segmenter's settings from the environment (the service's defaults unless set): a candidate model
// (SEGMENT_MODEL=…) or thresholds (UNET_…) can be tried on the bench's sets, its speed runs and the real
// clips. Only those: an unrelated variable of the shell must not change or break the bench.
const defaults = configSchema.parse(Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'SEGMENT_MODEL' || k.startsWith('UNET_'))));
/** The settings and model the bench's learned detector uses (see above). */
export const BENCH_UNET = { config: defaults, modelPath: defaults.SEGMENT_MODEL ?? defaultSegmentModelPath() };
export const UNET_DILATE = defaults.UNET_DILATE;

/**
 * One frame: `window` holds UNET_WINDOW frames' luma (null where the shot has none), the centre one is
 * segmented; `further`, the frames one past its ends (UnetSegmentInput.further). Undilated.
 */
export async function detectFrameUnet(window: (Float32Array | null)[], layout: FrameLayout, run: RunModel, further: [Float32Array | null, Float32Array | null] | null = null): Promise<Uint8Array> {
  const { width, height } = layout;
  const { mask } = await segmentFrameUnet({ width, height, lumas: window, further, ...unetSettings(defaults, width), dilate: 0 }, run);
  return mask;
}

export async function detectSequenceUnet(frames: Samples[], layout: FrameLayout, modelPath = BENCH_UNET.modelPath): Promise<SpikeMasks> {
  const run = await modelRunner(modelPath);
  const half = UNET_WINDOW >> 1;
  const lumas = frames.map((f) => toLuma(f, layout));
  const raw: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  for (let t = 0; t < frames.length; t++) {
    const window = Array.from({ length: UNET_WINDOW }, (_, k) => lumas[t - half + k] ?? null);
    const mask = await detectFrameUnet(window, layout, run, framesPast(lumas, t, half));
    raw.push(mask);
    masks.push(dilateMask(mask, layout.width, layout.height, defaults.UNET_DILATE, 'disc'));
  }
  return { masks, raw };
}
