/**
 * The benchmark's output: one JSON document with a stable schema. Section → named entry → snake_case
 * metric. Ratios are in [0,1], PSNR in dB (capped at PSNR_CAP_DB), flicker in 8-bit code values, fps
 * in frames per second on one thread, memory in MB. null = not defined for that entry (see the
 * conventions in meta).
 */
import type { DetectorEntry, RestorationEntry, SetResults } from './evaluate-set.js';
import type { ApiThroughput } from './api-throughput.js';
import type { MemoryEntry, SpeedEntry } from './speed.js';
import type { RealClipResult } from './real-clips.js';
import type { GappedResult } from './gapped-frames.js';
import type { DrawResult } from './unseen-draws.js';

export interface BenchMeta {
  date: string;
  machine: { cpu: string; cores: number; memory_gb: number; platform: string };
  node: string;
  git_commit: string | null;
  mode: 'quick' | 'full';
  seed: number;
  wall_seconds: number;
  conventions: Record<string, string>;
}

/**
 * The scores on one part of the synthetic data. 'unseen' comes first: pictures and damage scans that
 * training never touches (packages/shared/src/synthetic/unseen-sources.json), which is what the figures
 * are worth on an archive's footage; 'seen' draws on the sources training used.
 */
export interface SplitReport {
  name: 'unseen' | 'seen';
  title: string;
  description: string;
  generator: string;
  sequences: SetResults['sequences'];
  detectors: Record<string, DetectorEntry>;
  inpainters: Record<string, RestorationEntry>;
  pipeline: SetResults['pipeline'];
  peers: Record<string, RestorationEntry>;
}

export interface BenchReport {
  meta: BenchMeta;
  splits: SplitReport[];
  /** The unseen split's learned masks on further draws (other seeds; bench/unseen-draws.ts), the bench's own draw first. */
  unseen_draws: DrawResult[];
  /** Frames whose neighbours are not the same picture (bench/gapped-frames.ts). */
  gapped: GappedResult | null;
  speed: Record<string, SpeedEntry>;
  memory: Record<string, MemoryEntry>;
  /**
   * Real damaged footage without ground truth, one entry per clip folder (empty when there is none): how much
   * the default pipeline changed and how many temporal spikes it removed (pictures go to the HTML).
   */
  real_clips: Omit<RealClipResult, 'pictures'>[];
  /** The same bytes through the API on loopback (upload, download) beside a plain copy (bench/api-throughput.ts). */
  api_throughput: ApiThroughput | null;
}

export const CONVENTIONS: Record<string, string> = {
  averaging: 'every score pools its counts or sums over all frames of the set before the ratio (micro-average)',
  precision: 'null when nothing was flagged (unless the truth is empty too: then every detection score is 1)',
  recall: 'null when the truth is empty (unless nothing was flagged: then 1)',
  fp_rate: 'flagged share of truly undamaged pixels; fp_rate_clean: flagged share of all pixels on sequences with no damage',
  per_class: 'recall only: a false alarm has no class',
  masked_psnr_moving: 'masked_psnr over the true damage pixels inside the boxes of things that move on their own (the generator\'s actors): low where a fill pastes the background a neighbour shows into a moving figure (ghosting)',
  masked_psnr: 'PSNR over the true damage pixels against the clean truth, peak = largest sample value, capped at 100 dB for identical images',
  damage_left: 'share of true damage pixels still visibly damaged: in some channel, the mean error against the clean truth over the true damage pixels of the 5x5 window around it exceeds 10/255 of the range (grain, independent of the truth, averages out; left-in damage does not)',
  damage_left_pixel: 'share of true damage pixels off the clean truth by more than 10/255 of the range in any channel, each pixel alone (charges any fill that carries grain: see truth_new_grain)',
  truth_new_grain: 'calibration peer: the true damage pixels set to the truth under a new grain draw, a perfect restoration that carries grain',
  untouched_exact: "share of pixels outside the method's own repaint mask bit-identical to its input (whole-frame filters claim no mask)",
  clean_kept_exact: 'share of pixels outside the true damage mask bit-identical to the input',
  far_kept_exact: 'share of pixels more than 12 px from any true damage bit-identical to the input: what repaints of real picture cost, the soft edges of the damage aside',
  unseen_draws: "the unseen split generated again with seeds seed+1, seed+2, … (other unseen photographs, overlay files, motions and actors), scored on the learned detector's undilated masks only; the first entry is the bench's own draw (splits[0]'s unet_undilated)",
  gapped: 'frames whose neighbours are other pictures: the unseen hard mix generated long and every gap-th frame kept; mask_to_truth = flagged pixels (undilated) / truly damaged pixels over all frames, mask_to_truth_max the worst frame',
  splits: "splits[0] is 'unseen': photographs and FILM-AA overlay files training never sees (unseen-sources.json); splits[1] is 'seen': the sources training draws on. Both cycle the generator's default mix and its hard mix (independent motion, damage-like detail, gate borders, repeated frames, other grain)",
  grain_ratio: 'std of (image − 3x3 box mean) over true damage pixels, restored / clean; 1 = same grain',
  flicker: 'mean |(R_t − R_t−1) − (C_t − C_t−1)| over pixels in the true mask of t or t−1, in 8-bit code values; 0 = as steady as the truth',
  flicker_ratio: 'mean |R_t − R_t−1| / mean |C_t − C_t−1| on the same pixels; 1 = as steady as the truth',
  tmedian: 'ffmpeg tmedian radius 1 over whole frames; the first and last frame pass through (edge frames repeated)',
  fps: 'one thread per stage (ffmpeg -threads 1 -filter_threads 1), compute only, frames read from a local raw file; segment_worker and inpaint_worker: the learned segmenter and inpainter through the compute pool, one thread per core, wall clock (segment_worker: one chunk through the worker\'s own frame loop, timed after the same chunk went through untimed until each thread had segmented five windows, as a worker some way into a reel: its code compiled, its luma buffers at hand)',
  peak_rss_mb: "the stage process's peak resident memory (VmHWM) (Node + tsx runtime included; tmedian: ffmpeg's own)",
  real_clips:
    'one entry per folder of PNG/TIFF frames under the real-clips directory, no ground truth: the service defaults (learned segmenter with its dilation, then the learned inpainter, or the temporal median without its model file) over every frame read (frames of frames_in_folder)',
  pixels_changed_share:
    'real clips: share of all pixels of all frames whose restored value differs from the input in any channel; changed_share per frame, changed_share_max its max; changed_outside_mask_share: changed pixels outside their own repaint mask (0 for a pipeline that only repaints what it flags)',
  mask_share: 'real clips: share of pixels in the dilated repaint mask; flagged_share per frame, mask_share_mean and mask_share_max over frames; spike_flagged_share: the same for the spike reference detector',
  spikes:
    'real clips: pixels of a frame with both neighbours that depart from both the previous and the next frame by more than 0.1 (luma 0..1) in the same direction while those two agree within 0.05, after aligning each neighbour by one global integer translation (±8 px) and matching its mean brightness; spikes_before in the input, spikes_after in the restored clip on the same alignment, spike_reduction = 1 − after / before (null when before is 0). Local motion can spike too: compare before with after, not clips with each other',
  changed_places: 'real clips: the crops shown at 1:1 in the HTML: the frames and grid cells (96 px) with the most changed pixels, one per cell, crop centred on the changed pixels; x, y = top-left corner in the frame',
};
