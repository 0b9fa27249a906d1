/**
 * The unseen split drawn again with other seeds: other photographs, overlay files, motions and actors from
 * the same unseen sources. One draw of 14 sequences (4 of them clean) is a small sample of what an
 * archive's footage holds; the learned masks' scores on further draws say how far its figures carry.
 * Only the learned detector is run (undilated, as the gate leaves it), so each draw costs about a minute.
 */
import type { BenchSequence } from '@reelrestore/shared/synthetic/film-sequence';
import { damageVisibility } from '@reelrestore/shared/synthetic/film-sequence';
import { visibleTruth } from './metrics/detection.js';
import { DetectorTally, type DetectorEntry } from './evaluate-set.js';
import { detectSequenceUnet } from './peers/unet-detector.js';

export interface DrawResult {
  seed: number;
  sequences: number;
  precision: number | null;
  precision_visible: number | null;
  recall_visible: number | null;
  fp_rate_clean: number | null;
}

export async function scoreDraw(seed: number, set: AsyncIterable<BenchSequence>): Promise<DrawResult> {
  const unet = new DetectorTally();
  let sequences = 0;
  for await (const seq of set) {
    const isClean = seq.masks.every((m) => m.every((v) => v === 0));
    const visible = seq.masks.map((m, t) => visibleTruth(damageVisibility(seq.damaged[t]!, seq.clean[t]!, m, seq.layout)));
    const { raw } = await detectSequenceUnet(seq.damaged, seq.layout);
    unet.add(raw, seq, isClean, visible);
    sequences++;
  }
  return drawOf(seed, sequences, unet.entry());
}

/** A draw's figures from the learned detector's undilated entry (the bench's own draw comes from its split). */
export function drawOf(seed: number, sequences: number, e: DetectorEntry): DrawResult {
  return { seed, sequences, precision: e.precision, precision_visible: e.precision_visible, recall_visible: e.recall_visible, fp_rate_clean: e.fp_rate_clean };
}
