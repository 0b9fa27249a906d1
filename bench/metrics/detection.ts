/**
 * Detection scores of a predicted damage mask against the true one (non-zero = damage in both).
 *
 * Counts are pooled over every frame of the set before any ratio is taken (micro-averaging): a frame
 * with three damaged pixels must not weigh as much as one with three thousand.
 *
 * Empty cases, made explicit because they decide what a detector that finds nothing scores:
 * - both prediction and truth empty: perfect agreement, every score is 1;
 * - a ratio whose denominator is 0 otherwise is null (not defined): precision with no prediction,
 *   recall with no truth. A detector that flags nothing is not "precise", it is undefined there;
 * - Dice and IoU are 0 as soon as exactly one of the two is empty.
 */
import { countMask } from '@reelrestore/shared/restore/morphology';
import { DAMAGE_CLASSES } from '@reelrestore/shared/synthetic/film-sequence';

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface DetectionScores {
  precision: number | null;
  recall: number | null;
  dice: number | null;
  iou: number | null;
  /** Flagged share of the truly undamaged pixels: fp / (fp + tn). */
  fp_rate: number | null;
}

export function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

/**
 * Adds one frame's counts to `into` (allocating nothing per pixel: it runs on every frame of the set).
 * Pixels where `ignore` is non-zero count nowhere (don't care).
 */
export function addConfusion(pred: Uint8Array, truth: Uint8Array, into: Confusion, ignore?: Uint8Array): Confusion {
  if (pred.length !== truth.length) throw new RangeError(`mask sizes differ: ${pred.length} vs ${truth.length}`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let skipped = 0;
  for (let i = 0; i < pred.length; i++) {
    if (ignore && ignore[i] !== 0) {
      skipped++;
      continue;
    }
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    if (p) {
      if (t) tp++;
      else fp++;
    } else if (t) fn++;
  }
  into.tp += tp;
  into.fp += fp;
  into.fn += fn;
  into.tn += pred.length - skipped - tp - fp - fn;
  return into;
}

/**
 * Truth and don't-care masks for scoring against visible damage only (damageVisibility: 2 visible,
 * 1 faint): faint pixels are ignored, neither found, missed nor false alarms.
 */
export function visibleTruth(visibility: Uint8Array): { truth: Uint8Array; ignore: Uint8Array } {
  const truth = new Uint8Array(visibility.length);
  const ignore = new Uint8Array(visibility.length);
  for (let i = 0; i < visibility.length; i++) {
    if (visibility[i] === 2) truth[i] = 1;
    else if (visibility[i] === 1) ignore[i] = 1;
  }
  return { truth, ignore };
}

function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

export function detectionScores(c: Confusion): DetectionScores {
  const predicted = c.tp + c.fp;
  const actual = c.tp + c.fn;
  if (predicted === 0 && actual === 0) {
    return { precision: 1, recall: 1, dice: 1, iou: 1, fp_rate: ratio(0, c.tn) };
  }
  return {
    precision: ratio(c.tp, predicted),
    recall: ratio(c.tp, actual),
    dice: (2 * c.tp) / (2 * c.tp + c.fp + c.fn),
    iou: c.tp / (c.tp + c.fp + c.fn),
    fp_rate: ratio(c.fp, c.fp + c.tn),
  };
}

/**
 * Per damage class, how many true pixels there were and how many the prediction covered. Precision
 * per class is not defined (a false alarm has no class), so only recall is reported.
 */
export class ClassRecall {
  readonly truth = new Float64Array(DAMAGE_CLASSES.length);
  readonly hit = new Float64Array(DAMAGE_CLASSES.length);

  add(pred: Uint8Array, classes: Uint8Array): void {
    const n = DAMAGE_CLASSES.length;
    for (let i = 0; i < classes.length; i++) {
      const k = classes[i]!;
      if (k === 0 || k >= n) continue;
      this.truth[k]!++;
      if (pred[i] !== 0) this.hit[k]!++;
    }
  }

  /** Classes that occurred in the truth, by name. */
  scores(): Record<string, { recall: number; pixels: number }> {
    const out: Record<string, { recall: number; pixels: number }> = {};
    for (let k = 1; k < DAMAGE_CLASSES.length; k++) {
      const t = this.truth[k]!;
      if (t === 0) continue;
      out[DAMAGE_CLASSES[k]!] = { recall: this.hit[k]! / t, pixels: t };
    }
    return out;
  }
}

/**
 * Flagged share of all pixels on sequences whose truth is empty on every frame (a clean reel should
 * come out untouched). null when the set holds no such sequence.
 */
export class CleanFalseAlarms {
  flagged = 0;
  pixels = 0;

  add(pred: Uint8Array): void {
    this.flagged += countMask(pred);
    this.pixels += pred.length;
  }

  rate(): number | null {
    return ratio(this.flagged, this.pixels);
  }
}
