/**
 * Runs every detector, inpainter and peer on each sequence of the set and pools their scores. Sequences
 * are consumed one at a time, so memory holds one sequence's frames and results, not the set's.
 */
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { applyPatches } from '@reelrestore/shared/restore/patches';
import { damageVisibility, type BenchSequence } from '@reelrestore/shared/synthetic/film-sequence';
import { addConfusion, ClassRecall, CleanFalseAlarms, detectionScores, emptyConfusion, visibleTruth, type Confusion } from './metrics/detection.js';
import { RestorationScorer, type RestorationScores } from './metrics/restoration.js';
import { detectSequence } from './peers/spike-detector.js';
import { detectSequenceUnet } from './peers/unet-detector.js';
import { medianFillSequence } from './peers/median-inpainter.js';
import { diffusionFillSequence, hasInpaintModel } from './peers/diffusion-inpainter.js';
import { spatialFill } from './peers/spatial-fill.js';
import { runTmedian } from './peers/tmedian.js';
import { restoreNone } from './peers/none.js';

export interface DetectorEntry {
  precision: number | null;
  recall: number | null;
  dice: number | null;
  /** Scored against visible damage only, faint damage (VISIBLE_CONTRAST) being don't-care. */
  precision_visible: number | null;
  recall_visible: number | null;
  dice_visible: number | null;
  iou: number | null;
  fp_rate: number | null;
  fp_rate_clean: number | null;
  per_class: Record<string, { recall: number; pixels: number }>;
  seconds: number;
}

export type RestorationEntry = RestorationScores & { seconds: number };

/** One frame kept for the report's pictures. */
export interface OverlaySample {
  sequence: string;
  /** The pipeline that made `restored`: the service's defaults. */
  method: string;
  frame: number;
  layout: FrameLayout;
  damaged: Samples;
  restored: Samples;
  clean: Samples;
  truth: Uint8Array;
  predicted: Uint8Array;
}

export interface SetResults {
  detectors: Record<string, DetectorEntry>;
  inpainters: Record<string, RestorationEntry>;
  pipeline: Record<string, Omit<DetectorEntry, 'per_class' | 'seconds'> & RestorationEntry>;
  peers: Record<string, RestorationEntry>;
  sequences: { name: string; width: number; height: number; channels: number; bits: number; frames: number; damaged_share: number; meta: Record<string, unknown> }[];
  overlays: OverlaySample[];
}

export class DetectorTally {
  confusion: Confusion = emptyConfusion();
  visible: Confusion = emptyConfusion();
  classes = new ClassRecall();
  clean = new CleanFalseAlarms();
  seconds = 0;

  /** `visible`: per frame, visibleTruth of the sequence (computed once, shared by every detector). */
  add(pred: Uint8Array[], seq: BenchSequence, isClean: boolean, visible: { truth: Uint8Array; ignore: Uint8Array }[]): void {
    pred.forEach((m, t) => {
      addConfusion(m, seq.masks[t]!, this.confusion);
      addConfusion(m, visible[t]!.truth, this.visible, visible[t]!.ignore);
      this.classes.add(m, seq.classes[t]!);
      if (isClean) this.clean.add(m);
    });
  }

  entry(): DetectorEntry {
    const v = detectionScores(this.visible);
    return {
      ...detectionScores(this.confusion),
      precision_visible: v.precision,
      recall_visible: v.recall,
      dice_visible: v.dice,
      fp_rate_clean: this.clean.rate(),
      per_class: this.classes.scores(),
      seconds: this.seconds,
    };
  }
}

class RestorationTally {
  scorer = new RestorationScorer();
  seconds = 0;

  add(restored: Samples[], repaint: Uint8Array[] | null, seq: BenchSequence): void {
    this.scorer.beginSequence();
    const moving = movingMasks(seq);
    restored.forEach((r, t) => {
      this.scorer.add(
        { input: seq.damaged[t]!, restored: r, clean: seq.clean[t]!, truth: seq.masks[t]!, repaint: repaint?.[t] ?? null, moving: moving?.[t] ?? null },
        seq.layout,
      );
    });
  }

  entry(): RestorationEntry {
    return { ...this.scorer.scores(), seconds: this.seconds };
  }
}

async function timed<T>(tally: { seconds: number }, work: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await work();
  tally.seconds += (performance.now() - t0) / 1000;
  return out;
}

export interface EvaluateOptions {
  /** How many damaged sequences lend a frame to the report's pictures. */
  overlays?: number;
  log?: (line: string) => void;
}

export async function evaluateSet(set: AsyncIterable<BenchSequence>, opts: EvaluateOptions = {}): Promise<SetResults> {
  const spike = new DetectorTally();
  const spikeRaw = new DetectorTally();
  const unet = new DetectorTally();
  const unetRaw = new DetectorTally();
  const medianUnet = new RestorationTally();
  const medianTrue = new RestorationTally();
  const medianSpike = new RestorationTally();
  const spatialTrue = new RestorationTally();
  const tmedian = new RestorationTally();
  // The learned inpainter is scored when its model file is there (the bench runs without it too).
  const learnedFill = hasInpaintModel();
  const diffusionTrue = new RestorationTally();
  const diffusionUnet = new RestorationTally();
  const none = new RestorationTally();
  const newGrain = new RestorationTally();
  const sequences: SetResults['sequences'] = [];
  const overlays: OverlaySample[] = [];

  for await (const seq of set) {
    const t0 = performance.now();
    const { layout } = seq;
    let damagedPixels = 0;
    for (const m of seq.masks) for (let i = 0; i < m.length; i++) if (m[i] !== 0) damagedPixels++;
    const isClean = damagedPixels === 0;
    const visible = seq.masks.map((m, t) => visibleTruth(damageVisibility(seq.damaged[t]!, seq.clean[t]!, m, layout)));

    const detected = await timed(spike, () => detectSequence(seq.damaged, layout));
    spike.add(detected.masks, seq, isClean, visible);
    spikeRaw.add(detected.raw, seq, isClean, visible);
    const learned = await timed(unet, () => detectSequenceUnet(seq.damaged, layout));
    unet.add(learned.masks, seq, isClean, visible);
    unetRaw.add(learned.raw, seq, isClean, visible);

    const fillTrue = await timed(medianTrue, () => medianFillSequence(seq.damaged, seq.masks, layout));
    medianTrue.add(fillTrue, seq.masks, seq);
    const fillSpike = await timed(medianSpike, () => medianFillSequence(seq.damaged, detected.masks, layout));
    medianSpike.add(fillSpike, detected.masks, seq);
    const fillUnet = await timed(medianUnet, () => medianFillSequence(seq.damaged, learned.masks, layout));
    medianUnet.add(fillUnet, learned.masks, seq);
    let fillDiffusion: Samples[] | null = null;
    if (learnedFill) {
      const onTrue = await timed(diffusionTrue, () => diffusionFillSequence(seq.damaged, seq.masks, layout));
      diffusionTrue.add(onTrue, seq.masks, seq);
      fillDiffusion = await timed(diffusionUnet, () => diffusionFillSequence(seq.damaged, learned.masks, layout));
      diffusionUnet.add(fillDiffusion, learned.masks, seq);
    }
    const spatial = await timed(spatialTrue, () => seq.damaged.map((f, t) => spatialFill(f, seq.masks[t]!, layout)));
    spatialTrue.add(spatial, seq.masks, seq);
    const tmed = await timed(tmedian, () => runTmedian(seq.damaged, layout));
    tmedian.add(tmed, null, seq);
    none.add(restoreNone(seq.damaged), null, seq);
    if (seq.regrained) newGrain.add(truthWithNewGrain(seq, seq.regrained), seq.masks, seq);

    const pixels = seq.masks.length * layout.width * layout.height;
    sequences.push({
      name: seq.name,
      width: layout.width,
      height: layout.height,
      channels: layout.channels,
      bits: layout.bits,
      frames: seq.masks.length,
      damaged_share: pixels === 0 ? 0 : damagedPixels / pixels,
      meta: briefMeta(seq.meta),
    });
    if (!isClean && overlays.length < (opts.overlays ?? 2)) {
      const t = seq.masks.length >> 1;
      overlays.push({
        sequence: seq.name,
        frame: t,
        layout,
        damaged: seq.damaged[t]!,
        method: fillDiffusion ? 'unet + diffusion' : 'unet + median',
        restored: (fillDiffusion ?? fillUnet)[t]!,
        clean: seq.clean[t]!,
        truth: seq.masks[t]!,
        predicted: learned.masks[t]!,
      });
    }
    opts.log?.(`  ${seq.name}: ${layout.width}x${layout.height}x${layout.channels} ${layout.bits}-bit, ${seq.masks.length} frames, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  // One detection run yields both masks, so both entries carry its time.
  spikeRaw.seconds = spike.seconds;
  unetRaw.seconds = unet.seconds;
  const det = spike.entry();
  const { per_class: _pc, seconds: _s, ...detScores } = det;
  const detUnet = unet.entry();
  const { per_class: _pcu, seconds: _su, ...unetScores } = detUnet;
  return {
    detectors: { spike: det, spike_undilated: spikeRaw.entry(), unet: detUnet, unet_undilated: unetRaw.entry() },
    inpainters: {
      'median@true_mask': medianTrue.entry(),
      'median@spike_mask': medianSpike.entry(),
      'median@unet_mask': medianUnet.entry(),
      'spatial@true_mask': spatialTrue.entry(),
      ...(learnedFill ? { 'diffusion@true_mask': diffusionTrue.entry(), 'diffusion@unet_mask': diffusionUnet.entry() } : {}),
    },
    pipeline: {
      'spike+median': { ...detScores, ...medianSpike.entry(), seconds: spike.seconds + medianSpike.seconds },
      'unet+median': { ...unetScores, ...medianUnet.entry(), seconds: unet.seconds + medianUnet.seconds },
      ...(learnedFill ? { 'unet+diffusion': { ...unetScores, ...diffusionUnet.entry(), seconds: unet.seconds + diffusionUnet.seconds } } : {}),
    },
    peers: {
      none: none.entry(),
      tmedian: tmedian.entry(),
      'spatial@true_mask': spatialTrue.entry(),
      // Scored only when the set was generated with `regrain`: the bench's calibration of its own scores.
      ...(newGrain.scorer.hasFrames() ? { truth_new_grain: newGrain.entry() } : {}),
    },
    sequences,
    overlays,
  };
}

/**
 * A perfect restoration that carries grain: the damaged frames with every true-damage pixel set to the
 * truth under a new grain draw. What it scores is the best any grain-keeping fill can score.
 */
function truthWithNewGrain(seq: BenchSequence, regrained: Samples[]): Samples[] {
  const { layout } = seq;
  const whole = { x: 0, y: 0, w: layout.width, h: layout.height };
  return seq.damaged.map((frame, t) => {
    const out = frame.slice();
    applyPatches(out, layout, [{ ...whole, data: regrained[t]! }], seq.masks[t]!);
    return out;
  });
}

const movingCache = new WeakMap<BenchSequence, Uint8Array[] | null>();

/**
 * Per frame, the boxes of the things that move on their own (the generator's actors, meta.actorDetails):
 * where a fill from the camera-aligned neighbours would paste background. null without actors.
 */
export function movingMasks(seq: BenchSequence): Uint8Array[] | null {
  if (movingCache.has(seq)) return movingCache.get(seq)!;
  const details = seq.meta.actorDetails as { boxes: ([number, number, number, number] | null)[] }[] | undefined;
  let out: Uint8Array[] | null = null;
  if (details && details.length > 0) {
    const { width: W, height: H } = seq.layout;
    out = seq.masks.map((_, t) => {
      const m = new Uint8Array(W * H);
      for (const d of details) {
        const b = d.boxes[t];
        if (!b) continue;
        const [x0, y0, x1, y1] = b.map(Math.round) as [number, number, number, number];
        for (let y = Math.max(0, y0); y < Math.min(H, y1); y++) m.fill(255, y * W + Math.max(0, x0), y * W + Math.min(W, x1));
      }
      return m;
    });
  }
  movingCache.set(seq, out);
  return out;
}

/** The generator's meta without its long per-frame arrays (camera poses and the like). */
function briefMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (JSON.stringify(v ?? null).length <= 300) out[k] = v;
  return out;
}
