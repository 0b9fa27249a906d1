/**
 * Frames whose neighbours are not the same picture: a scan with gaps in its numbering, a jump, action too
 * fast to follow. Sequences of the unseen split are generated long and every `gap`-th frame is kept, so
 * neighbouring frames are far apart; the default detector must fall back to what a frame shows by
 * itself and never flood it. Scored: the mask's size against the true damage's (both as the service
 * dilates), the share of clean pixels flagged, and recall of visible damage.
 */
import type { BenchSequence } from '@reelrestore/shared/synthetic/film-sequence';
import { damageVisibility } from '@reelrestore/shared/synthetic/film-sequence';
import { countMask } from '@reelrestore/shared/restore/morphology';
import { addConfusion, detectionScores, emptyConfusion, visibleTruth } from './metrics/detection.js';
import { detectSequenceUnet } from './peers/unet-detector.js';

export interface GappedResult {
  sequences: number;
  frames: number;
  gap: number;
  /** Flagged pixels (undilated) over truly damaged pixels. */
  mask_to_truth: number | null;
  /** Largest per-frame ratio of the same. */
  mask_to_truth_max: number | null;
  fp_rate: number | null;
  recall_visible: number | null;
}

/** Every `gap`-th frame of a sequence: what a scan with gaps in its numbering gives. */
export function everyNth(seq: BenchSequence, gap: number): BenchSequence {
  const keep = <T>(a: T[]) => a.filter((_, i) => i % gap === 0);
  return { ...seq, clean: keep(seq.clean), damaged: keep(seq.damaged), masks: keep(seq.masks), classes: keep(seq.classes) };
}

export async function scoreGapped(set: AsyncIterable<BenchSequence>, gap: number): Promise<GappedResult> {
  let sequences = 0;
  let frames = 0;
  let flagged = 0;
  let truth = 0;
  let worst: number | null = null;
  const all = emptyConfusion();
  const visible = emptyConfusion();
  for await (const long of set) {
    const seq = everyNth(long, gap);
    const { raw } = await detectSequenceUnet(seq.damaged, seq.layout);
    raw.forEach((m, t) => {
      const f = countMask(m);
      const tr = countMask(seq.masks[t]!);
      flagged += f;
      truth += tr;
      if (tr > 0) worst = Math.max(worst ?? 0, f / tr);
      addConfusion(m, seq.masks[t]!, all);
      const v = visibleTruth(damageVisibility(seq.damaged[t]!, seq.clean[t]!, seq.masks[t]!, seq.layout));
      addConfusion(m, v.truth, visible, v.ignore);
    });
    sequences++;
    frames += seq.masks.length;
  }
  return {
    sequences,
    frames,
    gap,
    mask_to_truth: truth > 0 ? flagged / truth : null,
    mask_to_truth_max: worst,
    fp_rate: detectionScores(all).fp_rate,
    recall_visible: detectionScores(visible).recall,
  };
}
