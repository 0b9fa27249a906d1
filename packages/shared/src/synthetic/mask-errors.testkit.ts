/** For the generator's tests: how far a sequence's masks and classes are from "exactly the visible damage". */
import { DAMAGE_CLASSES, type BenchSequence } from './film-sequence.js';
import { visibleThreshold } from './make-sequence.js';

export interface MaskErrors {
  /** Marked pixels whose change is not visible. */
  invisibleMarked: number;
  /** Unmarked pixels that changed at all. */
  unmarkedChanged: number;
  /** Marked pixels with no class, or a class out of range. */
  classMissing: number;
  /** Unmarked pixels with a class. */
  classStray: number;
  /** Mask values other than 0 and 255. */
  badMaskValue: number;
  /** Marked pixels (not an error: for asserting that there is damage at all). */
  marked: number;
}

/** Counted over the whole sequence, then asserted once by the caller: an expect per pixel is slow. */
export function maskErrors(s: BenchSequence): MaskErrors {
  const C = s.layout.channels;
  const thr = visibleThreshold(s.layout.bits);
  const out: MaskErrors = { invisibleMarked: 0, unmarkedChanged: 0, classMissing: 0, classStray: 0, badMaskValue: 0, marked: 0 };
  for (let f = 0; f < s.clean.length; f++) {
    const clean = s.clean[f]!;
    const dam = s.damaged[f]!;
    const mask = s.masks[f]!;
    const cls = s.classes[f]!;
    for (let p = 0; p < mask.length; p++) {
      let maxDiff = 0;
      for (let c = 0; c < C; c++) maxDiff = Math.max(maxDiff, Math.abs(dam[p * C + c]! - clean[p * C + c]!));
      if (mask[p] === 255) {
        out.marked++;
        if (maxDiff <= thr) out.invisibleMarked++;
        if (cls[p] === 0 || cls[p]! >= DAMAGE_CLASSES.length) out.classMissing++;
      } else {
        if (mask[p] !== 0) out.badMaskValue++;
        if (maxDiff !== 0) out.unmarkedChanged++;
        if (cls[p] !== 0) out.classStray++;
      }
    }
  }
  return out;
}
