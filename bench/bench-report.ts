/**
 * The benchmark's output: one JSON document with a stable schema. Section → named entry → snake_case
 * metric. Ratios are in [0,1], PSNR in dB (capped at PSNR_CAP_DB), flicker in 8-bit code values, fps
 * in frames per second on one thread, memory in MB. null = not defined for that entry (see the
 * conventions in meta).
 */
import type { DetectorEntry, RestorationEntry, SetResults } from './evaluate-set.js';
import type { MemoryEntry, SpeedEntry } from './speed.js';
import type { RealClipResult } from './real-clips.js';

export interface BenchMeta {
  date: string;
  machine: { cpu: string; cores: number; memory_gb: number; platform: string };
  node: string;
  git_commit: string | null;
  mode: 'quick' | 'full';
  seed: number;
  wall_seconds: number;
  set: { description: string; generator: string; sequences: SetResults['sequences'] };
  conventions: Record<string, string>;
}

export interface BenchReport {
  meta: BenchMeta;
  detectors: Record<string, DetectorEntry>;
  inpainters: Record<string, RestorationEntry>;
  pipeline: SetResults['pipeline'];
  peers: Record<string, RestorationEntry>;
  speed: Record<string, SpeedEntry>;
  memory: Record<string, MemoryEntry>;
  /** Real damaged footage without ground truth: flagged shares only (pictures go to the HTML). */
  real_clips: Omit<RealClipResult, 'pictures'> | null;
}

export const CONVENTIONS: Record<string, string> = {
  averaging: 'every score pools its counts or sums over all frames of the set before the ratio (micro-average)',
  precision: 'null when nothing was flagged (unless the truth is empty too: then every detection score is 1)',
  recall: 'null when the truth is empty (unless nothing was flagged: then 1)',
  fp_rate: 'flagged share of truly undamaged pixels; fp_rate_clean: flagged share of all pixels on sequences with no damage',
  per_class: 'recall only: a false alarm has no class',
  masked_psnr: 'PSNR over the true damage pixels against the clean truth, peak = largest sample value, capped at 100 dB for identical images',
  damage_left: 'share of true damage pixels still visibly damaged: in some channel, the mean error against the clean truth over the true damage pixels of the 5x5 window around it exceeds 10/255 of the range (grain, independent of the truth, averages out; left-in damage does not)',
  damage_left_pixel: 'share of true damage pixels off the clean truth by more than 10/255 of the range in any channel, each pixel alone (charges any fill that carries grain: see truth_new_grain)',
  truth_new_grain: 'calibration peer: the true damage pixels set to the truth under a new grain draw, a perfect restoration that carries grain',
  untouched_exact: "share of pixels outside the method's own repaint mask bit-identical to its input (whole-frame filters claim no mask)",
  clean_kept_exact: 'share of pixels outside the true damage mask bit-identical to the input',
  grain_ratio: 'std of (image − 3x3 box mean) over true damage pixels, restored / clean; 1 = same grain',
  flicker: 'mean |(R_t − R_t−1) − (C_t − C_t−1)| over pixels in the true mask of t or t−1, in 8-bit code values; 0 = as steady as the truth',
  flicker_ratio: 'mean |R_t − R_t−1| / mean |C_t − C_t−1| on the same pixels; 1 = as steady as the truth',
  tmedian: 'ffmpeg tmedian radius 1 over whole frames; the first and last frame pass through (edge frames repeated)',
  fps: 'one thread per stage (ffmpeg -threads 1 -filter_threads 1), compute only, frames read from a local raw file; segment_worker and inpaint_worker: the learned segmenter and inpainter through the compute pool, one thread per core, wall clock',
  peak_rss_mb: "the stage process's peak resident memory (VmHWM) (Node + tsx runtime included; tmedian: ffmpeg's own)",
};
