/**
 * Repeated frames, as telecine pulldown and some scanners make them: the same film frame scanned twice.
 * A repeat is identical to its predecessor in picture, grain and damage, so a detector that takes the
 * previous frame as its evidence sees the damage "confirmed" and must reach one frame further. The film
 * keeps its own timeline: after a repeat the next output frame shows the next film frame, not a skipped one.
 */
import { rng } from './random.js';

export interface RepeatPlan {
  /** For each output frame, the film frame it shows (non-decreasing, steps of 0 or 1). */
  filmFrames: number[];
  /** Output frames that repeat their predecessor. */
  repeats: number[];
}

/**
 * Which output frames repeat, each with probability `probability` (never the first, never two in a row:
 * pulldown shows a film frame at most twice). When a probability above 0 draws no repeat in 3+ frames, one
 * is placed anyway, so a short sequence that asked for repeats has one to test.
 */
export function planRepeats(frames: number, probability: number, seed: number): RepeatPlan {
  const filmFrames: number[] = [];
  const repeats: number[] = [];
  if (!(probability > 0)) {
    for (let f = 0; f < frames; f++) filmFrames.push(f);
    return { filmFrames, repeats };
  }
  const rand = rng(seed, 'repeats');
  const isRepeat = new Array<boolean>(frames).fill(false);
  for (let f = 1; f < frames; f++) if (!isRepeat[f - 1] && rand() < probability) isRepeat[f] = true;
  if (frames >= 3 && !isRepeat.some(Boolean)) isRepeat[1 + Math.floor(rand() * (frames - 1))] = true;
  let film = -1;
  for (let f = 0; f < frames; f++) {
    if (isRepeat[f]) repeats.push(f);
    else film++;
    filmFrames.push(film);
  }
  return { filmFrames, repeats };
}
