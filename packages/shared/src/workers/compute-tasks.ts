import type { FrameLayout, Samples } from '../frames/types.js';
import { medianFill } from '../restore/median-fill.js';
import { tilesFromMask, type PatchTile } from '../restore/patches.js';
import { detectSpikesForFrame } from '../restore/spike-detect.js';

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

  /** The classical reference fill for one centre frame; returns only the tiles that changed. */
  'inpaint-frame'(a: { layout: FrameLayout; frames: Samples[]; masks: (Uint8Array | null)[]; center: number }): { tiles: PatchTile[]; patched: number } {
    const { data, patched } = medianFill(a);
    const centreMask = a.masks[a.center];
    const centre = a.frames[a.center];
    if (!centreMask || !centre) return { tiles: [], patched: 0 };
    return { tiles: tilesFromMask(centre, data, centreMask, a.layout), patched };
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
