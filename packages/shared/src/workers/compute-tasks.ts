import type * as Ort from 'onnxruntime-node';
import { errorMessage } from '../errors.js';
import type { FrameLayout, Samples } from '../frames/types.js';
import { diffusionFill, type DiffusionFillInput, type DiffusionOptions, type RunDenoiser } from '../restore/diffusion-fill.js';
import { medianFill } from '../restore/median-fill.js';
import { tilesFromMask, type PatchTile } from '../restore/patches.js';
import { detectSpikesForFrame } from '../restore/spike-detect.js';
import { sharedLumaWithLevels } from '../restore/luma-levels.js';
import { cascadeHalvings, segmentFrameUnet, type RunModel, type UnetSegmentInput } from '../restore/unet-segment.js';
import type { GateVerdict } from '../restore/temporal-gate.js';

// One onnxruntime session per thread, model file and device, created on first use; onnxruntime itself is
// loaded only then, so threads that never run a model never load it. One intra-op thread: the pool is the
// parallelism.
const sessions = new Map<string, Promise<{ ort: typeof Ort; session: Ort.InferenceSession }>>();

/** Where a model runs: 'cuda' needs onnxruntime's CUDA provider libraries (the GPU image installs them). */
export type ModelDevice = 'cpu' | 'cuda';

function openSession(modelPath: string, device: ModelDevice): Promise<{ ort: typeof Ort; session: Ort.InferenceSession }> {
  const key = `${device}:${modelPath}`;
  let opened = sessions.get(key);
  if (!opened) {
    opened = (async () => {
      const ort: typeof Ort = await import('onnxruntime-node');
      const session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      });
      return { ort, session };
    })();
    // A file that fails to load is not cached, so a fixed path can be retried.
    opened.catch(() => sessions.delete(key));
    sessions.set(key, opened);
  }
  return opened;
}

async function runSession(
  { ort, session }: { ort: typeof Ort; session: Ort.InferenceSession },
  modelPath: string,
  inputs: { data: Float32Array; dims: readonly number[] }[],
): Promise<Float32Array> {
  const names = session.inputNames;
  const [outName] = session.outputNames;
  if (names.length !== inputs.length || !outName) throw new Error(`${modelPath} takes ${names.length} inputs, not ${inputs.length}`);
  const feeds: Record<string, Ort.Tensor> = {};
  names.forEach((name, i) => (feeds[name] = new ort.Tensor('float32', inputs[i]!.data, [...inputs[i]!.dims])));
  const out = (await session.run(feeds))[outName];
  if (!out) throw new Error(`${modelPath} returned no ${outName}`);
  const data = out.data as Float32Array;
  out.dispose();
  return data;
}

/** The segmenter's network: one input, one output. */
export async function modelRunner(modelPath: string): Promise<RunModel> {
  const s = await openSession(modelPath, 'cpu');
  return (input, dims) => runSession(s, modelPath, [{ data: input, dims }]);
}

/** The inpainter's denoiser: inputs x and t, output x0. */
export async function denoiserRunner(modelPath: string, device: ModelDevice = 'cpu'): Promise<RunDenoiser> {
  const s = await openSession(modelPath, device);
  return (x, t, dims) => runSession(s, modelPath, [{ data: x, dims }, { data: t, dims: [dims[0]] }]);
}

/**
 * Whether the model opens on `device`. The inpaint worker asks once at start-up, so a 'cuda' request on a
 * machine without the CUDA provider falls back to CPU with one clear log line, not an error per frame.
 */
export async function probeDevice(modelPath: string, device: ModelDevice): Promise<{ device: ModelDevice; reason?: string }> {
  if (device === 'cpu') return { device };
  try {
    await openSession(modelPath, device);
    return { device };
  } catch (err) {
    return { device: 'cpu', reason: errorMessage(err) };
  }
}

/** The tiles of the centre frame a fill changed (only those travel back and into the patch file). */
function changedTiles(
  a: { layout: FrameLayout; frames: Samples[]; masks: (Uint8Array | null)[]; center: number },
  filled: Samples,
  patched: number,
): { tiles: PatchTile[]; patched: number } {
  const centreMask = a.masks[a.center];
  const centre = a.frames[a.center];
  if (!centreMask || !centre) return { tiles: [], patched: 0 };
  return { tiles: tilesFromMask(centre, filled, centreMask, a.layout), patched };
}

/**
 * The numeric work that runs in compute threads, one entry per task. Arguments and results cross the
 * thread boundary by structured clone; result buffers are transferred, not copied.
 */
export const computeTasks = {
  /** The classical reference detector for one frame and its aligned neighbours. */
  'segment-frame'(a: { layout: FrameLayout; prev: Samples | null; cur: Samples; next: Samples | null; threshold: number; dilate: number }) {
    const { mask, damaged } = detectSpikesForFrame(a);
    return { mask, damaged };
  },

  /**
   * Luma of one frame, computed once and read by the five windows it sits in. It lives in shared memory,
   * so passing it to those tasks does not copy 13 MB (2K) or 51 MB (4K) per window and frame; the same
   * buffer carries the reduced planes those windows read (luma-levels.ts), made once here as well. `into`:
   * a buffer of lumaBufferBytes to write over (one a finished frame no longer needs).
   */
  'frame-luma'(a: { layout: FrameLayout; frame: Samples; into?: SharedArrayBuffer }): Float32Array {
    return sharedLumaWithLevels(a.frame, a.layout, cascadeHalvings(a.layout.width), a.into);
  },

  /** The learned segmenter (models/segment-unet) for the centre of a window of consecutive frames' luma. */
  async 'segment-frame-unet'(
    a: UnetSegmentInput & { modelPath: string },
  ): Promise<{ mask: Uint8Array; damaged: number; cellShare: number; verdicts: Record<GateVerdict, number> | null }> {
    return segmentFrameUnet(a, await modelRunner(a.modelPath));
  },

  /** The learned fill (models/inpaint-diffusion) for one centre frame; returns only the tiles that changed. */
  async 'inpaint-frame-diffusion'(
    a: DiffusionFillInput & DiffusionOptions & { modelPath: string; device: ModelDevice },
  ): Promise<{ tiles: PatchTile[]; patched: number }> {
    const { data, patched } = await diffusionFill(a, await denoiserRunner(a.modelPath, a.device), a);
    return changedTiles(a, data, patched);
  },

  /** Where the inpainter's model can run in this thread: asked once per worker process (see probeDevice). */
  'probe-model-device'(a: { modelPath: string; device: ModelDevice }) {
    return probeDevice(a.modelPath, a.device);
  },

  /** The classical reference fill for one centre frame; returns only the tiles that changed. */
  'inpaint-frame'(a: { layout: FrameLayout; frames: Samples[]; masks: (Uint8Array | null)[]; center: number }): { tiles: PatchTile[]; patched: number } {
    const { data, patched } = medianFill(a);
    return changedTiles(a, data, patched);
  },
};

export type ComputeTasks = typeof computeTasks;

/** Buffers in a result that can be handed over instead of copied. */
export function transferablesOf(result: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1);
  };
  visit(result, 0);
  return [...out];
}
