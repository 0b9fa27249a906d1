/**
 * The temporal gate: the last word on which proposed damage is repainted. A proposal (a connected region
 * of the segmenter's mask) is damage only when the motion-compensated neighbours do not confirm it while
 * they confirm each other (../../../../README.md, "First, do no harm"; DETECTION.md):
 *
 * - **present**: the region's content is found in a neighbour, at the camera's vector or anywhere within
 *   `reach` of it (a limb, a bird, a car moving on its own). Then it is picture: dropped. Dust exists on one
 *   frame only, so no neighbour holds it.
 * - **agree**: the two neighbours, aligned by the camera's vector, show the same thing under the region.
 *   Where they disagree (occlusion, non-rigid motion, blur, a jump) motion compensation has failed and the
 *   picture is protected: dropped.
 * - **persistent scratch**: a thin vertical line whose pixels a neighbour holds at the same frame position
 *   while the picture under it has moved. A line that moves with the picture is a door frame or a pole,
 *   and in a shot where nothing moves the two cannot be told apart: left alone, unless the network is sure
 *   and the line stands alone (one of several side by side is a board wall's seam, a fence). A line along
 *   a step in the picture (the side of a body, of a dark door frame) is an **edge**: a scratch crosses the
 *   picture with the same picture on both sides. A line that stays in the frame at a slant is a
 *   **slanted line** on something the camera follows (a swaying wire in a tracking shot): a persistent
 *   scratch runs along the film.
 * - **moving**: a region the pair test would keep whose surroundings move on their own, and whose content
 *   a neighbour holds where it went (a leg swinging further than the usual search): picture.
 * - **border**: a band along the frame's edge (gate edge, black or bright border) flickers and weaves with
 *   the film, so no neighbour confirms it; it is not damage either.
 * - **rain**: many short streaks across the frame, all at one slant, are falling rain or snow, each drop
 *   on one frame only like dust: picture, left alone.
 * - **flicker**: a wide region departing only a little from neighbours that agree is the film's density or
 *   exposure varying across the frame, not a blotch.
 * - with **no witness** at all (a one-frame shot, every neighbour a jump or a repeat) only the segmenter's
 *   most certain, small, high-contrast regions are kept: never a flood.
 *
 * Each test compares region means, with the brightness offset taken from the ring around the region, so
 * grain averages out and flicker (global or local) cancels. The camera's motion comes from the window's
 * alignment (align-window.ts), the same one the network's input is built from.
 */
import { cameraVector, median, type AlignedNeighbour, type WindowAlignment } from './align-window.js';
import { outlineRing, principalAxes, regionsOf, splitMixed, type Region } from './gate-regions.js';
import { countMask } from './morphology.js';
import { cancellationPoint } from '../workers/cancellation.js';

export interface GateOptions {
  /**
   * How far per frame of distance (in pixels of a 1024-wide frame, scaled to the frame, and at least 6 px)
   * a region's content may have moved against the camera and still be found in a neighbour. Default 10:
   * fast action, 8 px a frame at 1K, with room to spare.
   */
  reach?: number;
  /** Damage probability per pixel (the segmenter's), for the no-witness fallback; null: the fallback keeps nothing. */
  prob?: Float32Array | null;
  /**
   * `prob` was computed on a reduced window and enlarged (2K and up): it is smooth over a few pixels, so it
   * cannot vouch for single pixels that do not depart, and a scratch's region is trimmed to what departs.
   */
  probReduced?: boolean;
  /** Return every region with its verdict (bench/diagnose-detection.ts attributes the gate's errors by verdict). */
  explain?: boolean;
}

export type GateVerdict = 'damage' | 'scratch' | 'present' | 'disagree' | 'moving' | 'static-line' | 'slanted-line' | 'edge' | 'rain' | 'border' | 'flicker' | 'no-witness' | 'weak';

export interface GateResult {
  /** The kept regions, 255 = damage. */
  mask: Uint8Array;
  /** How many regions got each verdict (for logs and the bench). */
  verdicts: Record<GateVerdict, number>;
  /** Usable neighbours (not missing, not a repeat of the centre). */
  witnesses: number;
  /** With `explain`: each region's pixels and verdict. */
  regions?: { pixels: Int32Array; verdict: GateVerdict }[];
}

type Witness = AlignedNeighbour;

/** A region is present in a neighbour when its departure there is below this share of its departure at the camera's vector. */
const PRESENT_RATIO = 0.35;
/** Aligned neighbours agree when they differ under the region by less than this share of the centre's departure. */
const AGREE_RATIO = 0.15;
/** Departures below this (luma) are grain, whatever the ratios say. */
const GRAIN_FLOOR = 0.012;
/** A pixel of a confirmed region is repainted when it departs by at least this share of the region's departure. */
const TRIM_SHARE = 0.1;
/**
 * A pixel beside kept damage joins it when it departs from the agreeing neighbours' mean by this many times
 * their noise. Their mean carries half the grain of either: against each neighbour alone (before the
 * seventeenth session of 2026-12-05) the faint soft edges of specks stayed out; against the mean, with
 * LEANING_GROW_SIGMAS 1 -> 0.7, recall of visible damage on three draws of the unseen split +0.004 /
 * +0.005 / +0.004 at precision -0.010 / -0.011 / -0.014, clean false pixels per million +13 / +8 / +4.
 */
const GROW_SIGMAS = 3;
/**
 * Where the segmenter leans towards damage (probability LEANING_PROB and up, below its threshold), under
 * one noise is enough: two witnesses (their mean), and the network. Most visible damage missed beside kept
 * specks had probability 0.1 to 0.4 and departed 0.02 to 0.06, under three noises. A pixel of a confirmed
 * region the segmenter is sure of (SURE_PROB) is kept whatever it departs: grain hides a faint part of a
 * speck as well as it fakes one. On three draws of the unseen split, with both: recall of visible damage
 * +0.011 / +0.013 / +0.010 at precision -0.010 / -0.011 / -0.013, clean false pixels per million +22 on
 * average at most.
 */
const LEANING_PROB = 0.1;
const LEANING_GROW_SIGMAS = 0.7;
/**
 * An enlarged probability (2K and up) leans over a wider band round a speck: there one noise, as before the
 * seventeenth session. The unseen split at 2K (seed 1): precision 0.882 -> 0.888, false px per million
 * 801 -> 757, the clean sequences 253.5 -> 245 per million, recall 0.874 either way.
 */
const LEANING_GROW_SIGMAS_REDUCED = 1;
/**
 * SURE_PROB was 0.9 until the seventeenth session (2026-12-05). At 0.5, the segmenter's own threshold (a
 * pixel that could seed a region, not one it only grew into), on three draws of the unseen split: recall of
 * visible damage +0.003 / +0.005 / +0.005 at precision -0.010 / -0.011 / -0.010, clean false pixels per
 * million +4 / +10 / +8; the real clip 0.668 -> 0.692 % changed and spikes removed 78.2 -> 79.2 %: what
 * the trim took off was mostly damage there too.
 */
const SURE_PROB = 0.5;
/**
 * Where the probability was read on a reduced window and enlarged (2K and up), it stays 0.9: at 0.5 (the
 * scratch's region kept whole too) the unseen split at 2K (seed 1) went to precision 0.823, recall 0.881,
 * 1,295 false px per million, against 0.860, 0.876 and 972 at 0.9.
 */
const SURE_PROB_REDUCED = 0.9;
/** A pixel beside a scratch's row (and on it, with an enlarged probability) is the scratch's when it departs from the picture beside the row by this share of the row's peak. */
const LINE_FLANK_SHARE = 0.1;

/** What of a confirmed region is repainted: from what probability a pixel is kept whatever it departs, the rim's lean bar, and whether a scratch's rows are trimmed. */
interface RepaintBars {
  sure: number;
  leaning: number;
  trimLines: boolean;
}
const BARS: RepaintBars = { sure: SURE_PROB, leaning: LEANING_GROW_SIGMAS, trimLines: false };
/** Where the probability was enlarged from a reduced window (GateOptions.probReduced). */
const BARS_REDUCED: RepaintBars = { sure: SURE_PROB_REDUCED, leaning: LEANING_GROW_SIGMAS_REDUCED, trimLines: true };
/**
 * A pixel beside a scratch's row joins it when it departs from the picture beyond by this many times the
 * grain. On the unseen split (three draws) and the seen one, 3: recall +0.003 to +0.008 of visible damage
 * at precision -0.006 to -0.014, no clean pixel more; 2 found +0.001 more for half as much again of
 * precision.
 */
const LINE_GROW_SIGMAS = 3;
/** A neighbour's view fits the centre's ring when their median difference there is at most this many times its noise. */
const RING_FIT = 1.5;
/** How much more the neighbours may differ under the region than on its ring: picture varies within a patch. */
const RING_SLACK = 1.5;
/** Mean over median of absolute differences of grain (about 1.2 for a normal distribution; a little more for textured picture). */
const RING_MEAN_PER_MEDIAN = 1.25;
/** A region whose mean departs from the aligned neighbours by less than this (luma) is not worth a repaint. */
const WEAK_DEPARTURE = 0.025;
/** A region's bright and dark parts (see brightAndDark): departing by this many grains, each at least this share of it and this many px. */
const SPLIT_SIGMAS = 2;
const SPLIT_SHARE = 0.15;
const SPLIT_LEAST = 8;
/**
 * A kept scratch is continued beyond its region along rows that hold it (alongScratch): standing out from
 * both sides by LINE_EXTEND_SIGMAS of the grain and LINE_EXTEND_SHARE of its typical contrast, within
 * LINE_EXTEND_STRAY px of its axis. On three draws of the unseen split: recall +0.002, +0.002 and +0.001,
 * the seen split +0.003, the real clip unchanged; a false 'scratch' along a hanging wire on a clean pan
 * grew by 4 px per million (9 with 1.5 px of stray, which found +0.001 more on two draws).
 */
const LINE_EXTEND_SIGMAS = 3;
const LINE_EXTEND_SHARE = 0.4;
const LINE_EXTEND_STRAY = 1;
/**
 * A scratch fades along its length (the film lifting off the guide), so the segmenter may flag it as pieces
 * and the gate judge each alone: a piece motion cannot tell (a still shot) short of the network's LINE_PROB,
 * or too short to be a line and judged as a speck, is dropped while the piece beside it is repainted. A thin
 * piece (at most LINE_WIDTH wide) standing out the same way, that lies on the axis of a line the gate kept
 * as a scratch in the same frame (within SAME_AXIS px on average over its rows), is that scratch. On seed 1 of
 * the unseen split: recall +0.009 at 0.002 less precision, masked PSNR 27.71 -> 28.41 dB, damage left
 * 0.088 -> 0.076 (the fill no longer copies the scratch's missed pieces from the neighbours); seeds 2 and 3
 * +0.007 and +0.003, the seen split +0.009, at 2K +0.005 (false pixels 757 -> 767 per million), clean
 * frames and the real clip unchanged.
 */
const SAME_AXIS = 1.5;
/** The verdicts a piece of a line kept as a scratch in the same frame overrides (not 'present', 'moving' or 'edge': evidence of picture). */
const UNSETTLED: ReadonlySet<GateVerdict> = new Set(['static-line', 'weak', 'disagree']);
/** Thin vertical lines: at most this wide on average (at 1024 px width; scratches wander) and at least this tall and this many times taller than wide. */
const LINE_WIDTH = 6;
const LINE_HEIGHT = 16;
const LINE_ELONGATION = 5;
/**
 * A line motion cannot judge is kept only when the network's mean probability on it is at least this. At
 * 0.75 the real clip's static shots lost board seams and panel edges to repaints (0.12 % more of its
 * pixels changed, no temporal spike fewer).
 */
const LINE_PROB = 0.82;
/** A region of at least FLICKER_SIDE² px (at 1024 width) departing by less than FLICKER_DEPARTURE is local flicker. */
const FLICKER_SIDE = 96;
const FLICKER_DEPARTURE = 0.06;
/**
 * A border band: a region flush with the frame's edge and this many times longer along it than deep, or
 * one within EDGE_BAND of the edge (share of the frame) running along it, top and bottom along at least
 * EDGE_MIN_LENGTH of it. At the sides any length: the band's rim stays in the frame as a persistent
 * scratch does, and the network flags it in pieces (a second draw of the unseen split: 2,944 false
 * scratch pixels on one clean sequence, 1,838 -> 472 per million with no length asked).
 */
const EDGE_ELONGATION = 3;
const EDGE_BAND = 0.06;
const EDGE_MIN_LENGTH = 0.5;
/** A border band differs from the picture beside it by at least this (luma), measured EDGE_SIDE px out on each side. */
const EDGE_STEP = 0.08;
const EDGE_SIDE = 5;
/** A region along two sides of the frame is its border when at least this share of it lies in the edge band. */
const RING_IN_BAND = 0.9;
/** A streak: at least this many times longer than wide (principal axes) and at most this wide (std, px at 1024). */
const STREAK_ELONGATION = 3;
const STREAK_WIDTH = 1.5;
/** How many times the usual reach a streak is followed along its axis. */
const STREAK_REACH = 3;
/**
 * Something kept to its place in the frame through a fast pan (heldInFrame) may have drifted HELD_REACH of
 * a region's search reach; it is looked for there only when it stands out from its ring by HELD_CONTRAST
 * (luma): a faint region matches its mean anywhere.
 */
const HELD_REACH = 0.25;
const HELD_CONTRAST = 0.08;
/**
 * A region standing out from its ring by HELD_CONTRAST, matched further than FAR_MATCH of the search's
 * reach from the camera's vector while its outline stayed there, must also depart there by at most
 * PRESENT_RATIO of its contrast (a look-alike, see lookAlike in judge). On the first draw of the unseen
 * split a white blotch over the bottom gate band was 'present' in two neighbours, 7 and 12 px up in bright
 * picture: recall +0.003, the squared error of the damage the gate drops as present 326 -> 85; the other
 * draws, the seen split, the real clip and every clean sequence unchanged. Asked at any distance, walking
 * legs' edges matched 2 px off were repainted; without the outline asked to stay, 7 false pixels per
 * million more on one clean sequence.
 */
const FAR_MATCH = 0.4;
/** A line's pixels must match one place this much better than the other to tell scratch from picture. */
const LINE_DECISIVE = 0.7;
/** How far (px at 1024 width) a scratch may wander between the frames of the window. */
const LINE_DRIFT = 3;
/** A line is held by a neighbour when its pixels match there to within the noise and this share of its contrast. */
const LINE_MATCH = 0.5;
/**
 * The most a persistent scratch slants from vertical (radians). A line that stays in the frame while the
 * picture moves under it, at a slant, is on something the camera follows (a swaying wire, a window post in
 * a tracking shot, a twig in a still shot), not on the film. Synthetic scratches wander by under 2 degrees; a
 * scan's rotation adds a degree or two.
 */
const SCRATCH_SLANT = (5 * Math.PI) / 180;
/**
 * A region of at least WIDE_AREA px (at 1024 width, never fewer) must depart from a pair of neighbours by
 * WIDE_SIGMAS times their noise: a wide, faint change is the picture's (a man's head turning into shadow,
 * 1,092 px of the real clip departing 1.6 noises, which the W12 network proposed), while dirt that wide is
 * dense. With the W12 weights (fifteenth session) the three unseen draws are unchanged and the real clip
 * 0.670 -> 0.658 % changed; from 300 px it cost the weights before them 0.006 of recall on one draw.
 */
const WIDE_AREA = 800;
const WIDE_SIGMAS = 2;
/**
 * A line is followed in a neighbour (followsLine) when at least FOLLOW_ROWS of its rows hold it at shifts
 * within FOLLOW_FIT px (root mean square) of a straight fit along the rows that changes by at least
 * FOLLOW_BEND px over them; its profile takes FOLLOW_SIDE px of picture either side. Rows further than
 * FOLLOW_OUTLIER px from a first fit (where a twig or a sign crosses the line, or a look-alike matched) are
 * left out of a second, and rows further than FOLLOW_REFINE px from that one out of a third (texture lends
 * the line's profile near it here and there), whose residual must also be at most FOLLOW_HELD of the
 * shifts' own spread (the trend explains them). Rows where a textured picture (foliage, gravel) hides
 * the line match anywhere: FOLLOW_ROWS leaves room for them. The search reaches FOLLOW_REACH times a
 * region's: a hanging wire's foot swings further than dust is wide, and chance matches do not line up
 * along a hundred rows.
 */
const FOLLOW_ROWS = 0.6;
const FOLLOW_FIT = 1.25;
const FOLLOW_BEND = 2;
const FOLLOW_SIDE = 2;
const FOLLOW_OUTLIER = 3;
const FOLLOW_REFINE = 2;
const FOLLOW_REACH = 2;
const FOLLOW_HELD = 0.7;
/**
 * A line also counts as followed when FOLLOW_WHOLE of its rows are held at one shift, further from its
 * place in the frame than a scratch drifts (FOLLOW_WHOLE_DRIFT px a frame) and at least
 * FOLLOW_WHOLE_SHIFT px from the camera's vector (px at 1K, scaled up at 2K; heldAtOneShift): it moved
 * as a whole. Before the sixteenth session of 2026-12-05 only a bend counted, and a wire hanging in a
 * still shot that swung 2 px a frame sideways was repainted as a scratch (472 px of seed 2's s14).
 */
const FOLLOW_WHOLE = 0.4;
const FOLLOW_WHOLE_DRIFT = 1;
const FOLLOW_WHOLE_SHIFT = 2;
/**
 * A line held in place by a neighbour changed there on its own (lineChanged) when its row sums differ from
 * the neighbour's, over most rows, by LINE_CHANGE_NOISE times the neighbour's noise and LINE_CHANGE_SIDE
 * times the picture beside it does (widths in px at 1024 wide). On three draws of the unseen split:
 * recall +0.005, +0.002 and 0 (scratches in still and weaving shots that the network is not sure enough
 * of); no clean pixel more, the real clip unchanged; at 2K +0.015 at the same precision. Measured as a
 * root mean square over the rows, snowflakes crossing a pole at 2K made it a scratch (20k false pixels
 * on one sequence); at 1.5 times the picture's change a walking leg's edge was repainted on a clean
 * sequence; compared pixel by pixel rather than summed across the line, a board seam of the real clip
 * (sharp enough to change with a fraction of a pixel's weave) was repainted.
 */
const LINE_CHANGE_NOISE = 4;
const LINE_CHANGE_SIDE = 2;
const LINE_CHANGE_PAD = 2;
const LINE_CHANGE_SIDE_PX = 4;
/** Camera motion (px at 1024 width) below which a line cannot be told from picture. */
const LINE_MIN_SHIFT = 1.5;
/**
 * Below LINE_MIN_SHIFT a line's place is measured to a fraction of a pixel (its profile matched over all its
 * rows): from this much camera motion across it (px, at any width), a line found within LINE_SUBPIXEL_SHARE
 * of that motion from one place and not the other is told apart (a pole in a slow pan moves a pixel in two
 * frames; a scratch stays).
 */
const LINE_SUBPIXEL_MIN = 0.6;
const LINE_SUBPIXEL_SHARE = 0.35;
/**
 * A line lies along a step in the picture (an edge, not a scratch) when on at least LINE_STEP_ROWS of its
 * rows its two sides (2 to EDGE_SIDE px out) differ by at least LINE_STEP (luma), the same way round. A
 * scratch that only crosses an edge somewhere along its length steps on a few rows.
 */
const LINE_STEP = 0.15;
const LINE_STEP_ROWS = 0.7;
/**
 * Rain: at least RAIN_STREAKS streaks within RAIN_ANGLE (radians) of one slant, spread across the frame (their
 * places across the slant vary by at least RAIN_SPREAD of the frame's width: the broken pieces of one
 * scratch line up instead).
 */
const RAIN_STREAKS = 8;
/** A drop's stroke: at least this many times longer than wide (principal axes), and thin as a streak. */
const RAIN_ELONGATION = 2;
const RAIN_ANGLE = 0.2;
const RAIN_SPREAD = 0.1;
/**
 * A streak shaped like a line counts as a drop when it is shorter than this share of the frame's height: at
 * 2K a drop's streak is long enough to pass for a line, a scratch is longer.
 */
const RAIN_MAX_LENGTH = 0.1;
/**
 * The damage probability down to which the segmenter's regions are counted for a fall. The clean
 * sequences of three draws of the unseen split, false pixels per million (mostly drops): 151 without the
 * count, 134 at 0.1, 128 at 0.2, 132 at 0.3; recall lost at most 0.001.
 */
const RAIN_PROB = 0.2;
/**
 * A line motion cannot judge is picture when, across its length, at least PARALLEL_LINES other lines of
 * the same polarity and at least PARALLEL_SHARE of its contrast run beside it within PARALLEL_REACH (px at
 * 1024 width, scaled with the frame: the picture's own spacing). The real clip's board walls had their
 * seams repainted as scratches in still shots (10 regions, 0.022 % of its pixels; 5 and 0.006 % with this
 * test), while the unseen split lost 0.001 of recall; a reach twice as wide lost 0.006.
 */
const PARALLEL_REACH = 64;
const PARALLEL_SHARE = 0.5;
const PARALLEL_LINES = 2;
/** At most about this many of a line's rows are read for its profile. */
const PARALLEL_ROWS = 512;
/** No-witness fallback: the segmenter's certainty, the region's contrast and its largest share of the frame. */
const ALONE_PROB = 0.85;
const ALONE_CONTRAST = 0.12;
/** Largest region (as the side of a square, px at 1024 width; at least 8 px) kept on the segmenter's word alone. */
const ALONE_MAX_SIDE = 32;
/**
 * Moving on its own (see movesOnItsOwn): the outline ring (from MOVING_RING_FROM px out to MOVING_RING_TO px,
 * scaled up from 1024 width; at least MOVING_MIN_RING samples) departs by more
 * than MOVING_RING_SIGMAS noise on at least MOVING_RING_SHARE of its pixels in every neighbour, and a
 * neighbour holds the region's content within MOVING_REACH × √(its pixels) at MOVING_FOUND of its cost at
 * the camera's vector. A clean still 2K shot of walking figures (diagnose-detection, unseen s14) went from
 * 1,199 to 480 false pixels per million; the 480 px splits lost 130 true pixels of 400,000.
 */
const MOVING_RING_FROM = 2;
const MOVING_RING_TO = 6;
const MOVING_MIN_RING = 8;
const MOVING_RING_SIGMAS = 4;
const MOVING_RING_SHARE = 0.1;
const MOVING_REACH = 0.6;
const MOVING_FOUND = 0.5;
/** Patch pixels sampled per region and candidate vector: bounds the cost of large blotches. */
const MAX_SAMPLES = 192;
/** Of those, the coarse grid of the match search reads this many: it only has to find the right basin. */
const COARSE_SAMPLES = 48;
/** Ring around a region (px beyond its box) whose median difference gives the local brightness offset. */
const RING = 6;

/** `mask`: the proposals (255 = damage), undilated; `window`: the centre frame and its aligned neighbours. */
export function gateDamage(mask: Uint8Array, window: WindowAlignment, opts: GateOptions = {}): GateResult {
  const { width: w, height: h, centre } = window;
  const verdicts: Record<GateVerdict, number> = { damage: 0, scratch: 0, present: 0, disagree: 0, moving: 0, 'static-line': 0, 'slanted-line': 0, edge: 0, rain: 0, border: 0, flicker: 0, 'no-witness': 0, weak: 0 };
  const out = new Uint8Array(w * h);
  const count = countMask(mask);
  const witnesses = window.neighbours;
  if (count === 0) return { mask: out, verdicts, witnesses: witnesses.length };

  const unit = w / 1024;
  const reach = Math.max(6, Math.round((opts.reach ?? 10) * unit));
  const lineShape = { thickness: LINE_WIDTH * Math.max(1, unit), length: LINE_HEIGHT * Math.max(1, unit), elongation: LINE_ELONGATION };
  const regions = regionsOf(mask, w, h, count).flatMap((r) => splitMixed(r, w, lineShape));
  const v = new Float64Array(2);
  const agreed: Agreement = { views: null, departure: 0, noise: 0 };
  const rim = Math.max(1, Math.round(unit));
  const explained: GateResult['regions'] = opts.explain ? [] : undefined;
  const prob = opts.prob ?? null;
  const bars = opts.probReduced === true ? BARS_REDUCED : BARS;
  const rain = rainOf(regions, prob, w, h, unit);
  const pastRepeat = pastARepeat(window);
  const grain = grainOf(witnesses);
  // Parts of a region split by brightAndDark are judged in turn after the frame's regions, and not split again.
  const queue = [...regions];
  const parts = new Set<Region>();
  // Of a scratch, its region and flank, continued along the rows that hold it.
  const scratchPixels = (r: Region) => alongScratch(lineWithFlanks(r, centre, w, grain, rim, bars.trimLines), centre, w, h, grain);
  // Kept scratches, and thin regions whose verdict a scratch they continue overrides: settled after the loop.
  const scratches: Int32Array[] = [];
  const pieces: { r: Region; verdict: GateVerdict }[] = [];
  for (let i = 0; i < queue.length; i++) {
    const r = queue[i]!;
    // A frame can hold thousands of regions: a cancelled task stops between them (no effect otherwise).
    cancellationPoint();
    agreed.views = null;
    const verdict = rain.has(r) ? 'rain' : judge(r, centre, witnesses, pastRepeat, mask, w, h, reach, unit, prob, v, agreed);
    const split = (verdict === 'weak' || verdict === 'damage') && !parts.has(r) ? brightAndDark(r, centre, witnesses, mask, w, h, grain) : null;
    if (split) {
      for (const part of split) parts.add(part);
      queue.push(...split);
      continue;
    }
    if (UNSETTLED.has(verdict) && r.pixels.length <= LINE_WIDTH * Math.max(1, unit) * (r.y1 - r.y0 + 1)) {
      pieces.push({ r, verdict });
      continue;
    }
    verdicts[verdict]++;
    explained?.push({ pixels: r.pixels, verdict });
    // The segmenter's region is a little wider than the damage: of a speck, the pixels that depart or that it
    // flags are repainted, with the soft edge beside them; of a scratch, its region and flank.
    const kept = verdict === 'scratch' ? scratchPixels(r) : verdict !== 'damage' ? null : agreed.views ? withRim(departing(r, centre, agreed, w, h, prob, bars.sure), r, centre, agreed, w, h, rim, prob, bars.leaning) : r.pixels;
    if (kept) for (const p of kept) out[p] = 255;
    if (kept && verdict === 'scratch') scratches.push(kept);
  }
  // Most frames keep no scratch or hold no piece: the axes are fitted only when both are there.
  const axes = pieces.length > 0 ? scratches.map((k) => lineAxis(k, centre, w)) : [];
  for (const { r, verdict: own } of pieces) {
    let verdict = own;
    if (axes.length > 0) {
      const piece = lineAxis(r.pixels, centre, w);
      if (axes.some((a) => onAxis(piece, a, r.y0, r.y1, SAME_AXIS * Math.max(1, unit)))) verdict = 'scratch';
    }
    verdicts[verdict]++;
    explained?.push({ pixels: r.pixels, verdict });
    if (verdict === 'scratch') for (const p of scratchPixels(r)) out[p] = 255;
  }
  return { mask: out, verdicts, witnesses: witnesses.length, ...(explained ? { regions: explained } : {}) };
}

/**
 * A bright speck and dark dirt side by side are one region to the segmenter, and the gate misjudges it
 * whole: its two parts cancel in its mean departure ('weak', or before the fourteenth session of
 * 2026-12-04 'present': 2,100 px of a white and a dark blotch on seed 1's s12), or it keeps only the side
 * its mean leans to. Its bright and its dark parts (departing from the neighbours' middle at the camera
 * by SPLIT_SIGMAS of the grain) are then judged as regions of their own, when it holds enough of both
 * (SPLIT_SHARE). Only with witnesses on both sides: at a shot's end a leg that moved leaves a bright and
 * a dark side that the one-sided witnesses agree on.
 */
function brightAndDark(r: Region, centre: Float32Array, witnesses: readonly Witness[], mask: Uint8Array, w: number, h: number, grain: number): Region[] | null {
  if (witnesses.length < 2 || r.pixels.length < 2 * SPLIT_LEAST) return null;
  if (oneSided(witnesses)) return null;
  const s = samplesOf(r, centre, mask, w, h);
  const v = new Float64Array(2);
  // Each witness read through its motion field, in the centre's brightness around the region.
  const views = witnesses.map((n) => alignedView(n.luma, s, w, h, 0, 0, n));
  const floor = Math.max(WEAK_DEPARTURE, SPLIT_SIGMAS * grain);
  // Per pixel of the region's box: 1 bright, 2 dark.
  const bw = r.x1 - r.x0;
  const bh = r.y1 - r.y0;
  const sides = [new Uint8Array(bw * bh), new Uint8Array(bw * bh)];
  const counts = [0, 0];
  const d = new Float64Array(views.length);
  for (const p of r.pixels) {
    let n = 0;
    for (const view of views) {
      const x = viewAt(view, p, w, h, v);
      if (!Number.isNaN(x)) d[n++] = centre[p]! - x;
    }
    if (n < 2) continue;
    const mid = median(d.subarray(0, n));
    const side = mid >= floor ? 0 : mid <= -floor ? 1 : -1;
    if (side < 0) continue;
    sides[side]![(Math.floor(p / w) - r.y0) * bw + (p % w) - r.x0] = 255;
    counts[side] = counts[side]! + 1;
  }
  const least = Math.max(SPLIT_LEAST, SPLIT_SHARE * r.pixels.length);
  if (counts[0]! < least || counts[1]! < least) return null;
  return sides.flatMap((m, k) =>
    regionsOf(m, bw, bh, counts[k]!)
      .filter((q) => q.pixels.length >= SPLIT_LEAST)
      .map((q) => ({
        pixels: q.pixels.map((lp) => (Math.floor(lp / bw) + r.y0) * w + (lp % bw) + r.x0),
        x0: q.x0 + r.x0,
        y0: q.y0 + r.y0,
        x1: q.x1 + r.x0,
        y1: q.y1 + r.y0,
      })),
  );
}

/** Every witness lies on one side of the centre: a shot's first or last frames. */
function oneSided(witnesses: readonly Witness[]): boolean {
  return !witnesses.some((n) => n.offset < 0) || !witnesses.some((n) => n.offset > 0);
}

/**
 * The witnesses with a repeat of the centre between them and it, nearer on the same side: the nearest
 * other film frame on that side.
 */
function pastARepeat(window: WindowAlignment): Set<Witness> {
  const past = new Set<Witness>();
  for (const n of window.neighbours) if (window.repeats.some((r) => Math.sign(r) === Math.sign(n.offset) && Math.abs(r) < Math.abs(n.offset))) past.add(n);
  return past;
}

/** A region's sampled pixels, its ring's, the box holding both, and the centre's values at them. */
interface Samples {
  inner: Int32Array;
  ring: Int32Array;
  innerC: Float32Array;
  ringC: Float32Array;
  box: { x0: number; y0: number; x1: number; y1: number };
  /** Fewer of the same samples, for the coarse grid of the match search. */
  coarse?: Samples;
}

/** The region's own pixels and its ring (unflagged pixels within RING of its box), subsampled to MAX_SAMPLES each. */
function samplesOf(r: Region, centre: Float32Array, mask: Uint8Array, w: number, h: number): Samples {
  const ring: number[] = [];
  const rx0 = Math.max(0, r.x0 - RING);
  const ry0 = Math.max(0, r.y0 - RING);
  const rx1 = Math.min(w, r.x1 + RING);
  const ry1 = Math.min(h, r.y1 + RING);
  for (let y = ry0; y < ry1; y++) for (let x = rx0; x < rx1; x++) if (mask[y * w + x] === 0) ring.push(y * w + x);
  const inner = thin(r.pixels);
  const ringSamples = thin(Int32Array.from(ring));
  const at = (list: Int32Array) => {
    const out = new Float32Array(list.length);
    for (let i = 0; i < list.length; i++) out[i] = centre[list[i]!]!;
    return out;
  };
  const box = { x0: rx0, y0: ry0, x1: rx1, y1: ry1 };
  const coarseInner = thin(inner, COARSE_SAMPLES);
  const coarseRing = thin(ringSamples, COARSE_SAMPLES);
  return {
    inner,
    ring: ringSamples,
    innerC: at(inner),
    ringC: at(ringSamples),
    box,
    coarse: { inner: coarseInner, ring: coarseRing, innerC: at(coarseInner), ringC: at(coarseRing), box },
  };
}

function thin(list: Int32Array, max = MAX_SAMPLES): Int32Array {
  if (list.length <= max) return list;
  const out = new Int32Array(max);
  for (let i = 0; i < max; i++) out[i] = list[Math.floor((i * list.length) / max)]!;
  return out;
}

/**
 * The centre's departure from a neighbour's view of the region: the mean of centre − neighbour over the
 * region's pixels inside the frame (with `abs`, of its absolute value), the view already carrying the
 * ring's median brightness offset. NaN when the displacement pushed most of the region out of the frame:
 * nothing to compare.
 */
function departureOf(centre: Float32Array, inner: Int32Array, view: AlignedView, abs = false): number {
  let sum = 0;
  let inside = 0;
  for (let i = 0; i < inner.length; i++) {
    const v = view.inner[i]!;
    if (Number.isNaN(v)) continue;
    sum += abs ? Math.abs(centre[inner[i]!]! - v) : centre[inner[i]!]! - v;
    inside++;
  }
  return inside === 0 || inside < inner.length / 2 ? NaN : sum / inside;
}

/**
 * Best displacement within `reach` of (vx, vy) and of (0, 0) by the region-and-ring cost, on a coarse grid
 * (with a quarter of the samples) then at every pixel around its best (with all of them), and the region's
 * departure there. The search uses the ring's mean offset (cheap); only the answer gets the median one
 * (alignedView).
 */
function bestMatch(centre: Float32Array, n: Float32Array, s: Samples, w: number, h: number, vx: number, vy: number, reach: number): { dx: number; dy: number; d: number } {
  const x0 = Math.floor(Math.min(0, vx) - reach);
  const x1 = Math.ceil(Math.max(0, vx) + reach);
  const y0 = Math.floor(Math.min(0, vy) - reach);
  const y1 = Math.ceil(Math.max(0, vy) + reach);
  // About 20 steps across the search at most: the ring makes the cost smooth over a few pixels.
  const step = Math.max(1, Math.round(reach / 10));
  let best = { dx: Math.round(vx), dy: Math.round(vy), cost: Infinity };
  const tryAt = (samples: Samples, dx: number, dy: number) => {
    const c = matchCost(n, samples, w, h, dx, dy, best.cost);
    if (c < best.cost) best = { dx, dy, cost: c };
  };
  const grid = step > 1 && s.coarse ? s.coarse : s;
  for (let dy = y0; dy <= y1; dy += step) for (let dx = x0; dx <= x1; dx += step) tryAt(grid, dx, dy);
  if (step > 1) {
    const { dx: cx, dy: cy } = best;
    // The coarse cost is of other samples: the fine pass starts afresh, its window holding the coarse best.
    best = { dx: cx, dy: cy, cost: Infinity };
    for (let dy = cy - step + 1; dy < cy + step; dy++) for (let dx = cx - step + 1; dx < cx + step; dx++) tryAt(s, dx, dy);
  }
  return { dx: best.dx, dy: best.dy, d: departureOf(centre, s.inner, alignedView(n, s, w, h, best.dx, best.dy)) };
}

/**
 * Mean |centre − neighbour − offset| over the region and its ring at a displacement, the offset being the
 * ring's mean difference; Infinity when most of the region leaves the frame, or once past `limit`. The
 * search calls this hundreds of times per region and neighbour, so a displacement that keeps every sample
 * in the frame (nearly all of them) takes a loop without bounds checks.
 */
function matchCost(n: Float32Array, s: Samples, w: number, h: number, dx: number, dy: number, limit: number): number {
  const { box } = s;
  if (box.x0 + dx < 0 || box.x1 + dx > w || box.y0 + dy < 0 || box.y1 + dy > h) return matchCostAtEdge(n, s, w, h, dx, dy, limit);
  const { inner, ring, innerC, ringC } = s;
  if (inner.length === 0) return Infinity;
  const shift = dy * w + dx;
  let off = 0;
  for (let i = 0; i < ring.length; i++) off += ringC[i]! - n[ring[i]! + shift]!;
  off = ring.length ? off / ring.length : 0;
  const total = inner.length + ring.length;
  let abs = 0;
  // Stop as soon as this candidate cannot win, even if every remaining pixel matched exactly.
  for (let i = 0; i < inner.length; i++) {
    abs += Math.abs(innerC[i]! - n[inner[i]! + shift]! - off);
    if (abs / total > limit) return Infinity;
  }
  for (let i = 0; i < ring.length; i++) {
    if (abs / total > limit) return Infinity;
    abs += Math.abs(ringC[i]! - n[ring[i]! + shift]! - off);
  }
  return abs / total;
}

/** matchCost where part of the samples may leave the frame: only those inside count. */
function matchCostAtEdge(n: Float32Array, s: Samples, w: number, h: number, dx: number, dy: number, limit: number): number {
  const shift = dy * w + dx;
  // Plain loops, not callbacks: regions near the frame's edge come here for every displacement tried.
  const inside = (p: number) => {
    const x = (p % w) + dx;
    const y = (p - (p % w)) / w + dy;
    return x >= 0 && x < w && y >= 0 && y < h;
  };
  let off = 0;
  let ringN = 0;
  for (let i = 0; i < s.ring.length; i++) {
    const p = s.ring[i]!;
    if (!inside(p)) continue;
    off += s.ringC[i]! - n[p + shift]!;
    ringN++;
  }
  off = ringN ? off / ringN : 0;
  let abs = 0;
  let count = 0;
  for (let i = 0; i < s.inner.length; i++) {
    const p = s.inner[i]!;
    if (!inside(p)) continue;
    abs += Math.abs(s.innerC[i]! - n[p + shift]! - off);
    count++;
  }
  if (count === 0 || count < s.inner.length / 2) return Infinity;
  const total = s.inner.length + s.ring.length;
  for (let i = 0; i < s.ring.length; i++) {
    if (abs / total > limit) return Infinity;
    const p = s.ring[i]!;
    if (!inside(p)) continue;
    abs += Math.abs(s.ringC[i]! - n[p + shift]! - off);
    count++;
  }
  return abs / count;
}

function judge(
  r: Region,
  centre: Float32Array,
  witnesses: readonly Witness[],
  pastRepeat: ReadonlySet<Witness>,
  mask: Uint8Array,
  w: number,
  h: number,
  reach: number,
  unit: number,
  prob: Float32Array | null,
  v: Float64Array,
  agreed: Agreement,
): GateVerdict {
  if (alongEdge(r, w, h, centre)) return 'border';
  const s = samplesOf(r, centre, mask, w, h);
  const centreMean = mean(centre, s.inner);
  const contrast = Math.abs(centreMean - mean(centre, s.ring));
  if (witnesses.length === 0) return keptAlone(r, s, contrast, prob, unit) ? 'damage' : 'no-witness';

  const cx = Math.min(w - 1, (r.x0 + r.x1) >> 1);
  const cy = Math.min(h - 1, (r.y0 + r.y1) >> 1);
  const line = isLine(r, unit);
  const wire = !line && isLine(r, unit, false);
  // Motion along a line leaves it looking the same: only the picture's move across it tells a scratch
  // (which stays in the frame) from a pole (which goes with the picture).
  const across = line ? principalAxes(r, w).normal : null;
  const streak = line ? null : streakAxis(r, w, unit);
  const movedAcross = (vx: number, vy: number) => Math.abs(vx * across![0] + vy * across![1]) >= LINE_MIN_SHIFT * Math.max(1, unit);

  // Per witness: what it shows under the region at the camera's vector (in the centre's brightness), and
  // whether the region's content is found in it nearby, still in place, or moved with the picture.
  const aligned: number[] = [];
  const views: (AlignedView | null)[] = [];
  let found = 0;
  let stillInFrame = 0;
  let cannotTell = 0;
  // Of those, how many show the line changed in strength along its length while the picture beside it stayed.
  let changedAlone = 0;
  // How closely the nearest film frame past a telecine repeat holds the region where the camera went.
  let heldPastRepeat = Infinity;
  // Whether the region's outline moves on its own in witness k (lookAlike asks only when it must).
  let outline: Int32Array | null = null;
  const movesAround: (boolean | undefined)[] = [];
  const scratch = new Float64Array(2);
  const outlineMoves = (k: number) => {
    outline ??= outlineSamples(r, mask, w, h, unit);
    return (movesAround[k] ??= outline.length < MOVING_MIN_RING || outlineMoved(outline, centre, witnesses[k]!, w, h, cx, cy, scratch) !== null);
  };
  for (const [k, wit] of witnesses.entries()) {
    cameraVector(wit, cx, cy, v);
    const vx = v[0]!;
    const vy = v[1]!;
    const view = alignedView(wit.luma, s, w, h, Math.round(vx), Math.round(vy), wit);
    const atCamera = departureOf(centre, s.inner, view);
    if (pastRepeat.has(wit) && !Number.isNaN(atCamera)) heldPastRepeat = Math.min(heldPastRepeat, Math.abs(atCamera));
    // What the neighbour shows under the region is read where its surroundings went: at the camera's
    // vector, or where something moving on its own took them. Where no one displacement explains the
    // surroundings (the edge of a walking leg, a swinging branch), the neighbour cannot witness. A scratch's
    // surroundings are picture that went with the camera.
    const local = line || Number.isNaN(atCamera) ? view : explainedView(centre, wit, s, w, h, view, vx, vy, reach * Math.abs(wit.offset));
    const atLocal = local ? departureOf(centre, s.inner, local) : NaN;
    aligned.push(Number.isNaN(atLocal) ? NaN : centreMean - atLocal);
    views.push(Number.isNaN(atLocal) ? null : local);
    if (line) {
      // A line's place tells only where the picture moved under it: with the camera still, a scratch and a
      // pole look the same. Otherwise the line's own pixels match the neighbour either where they were in
      // the frame (a scratch, on the film) or where the picture went (picture).
      const moved = movedAcross(vx, vy);
      const place = linePlace(centre, wit, s.inner, w, h, Math.round(vx), Math.round(vy), contrast);
      if (place !== 'absent') {
        const told = moved ? place : subpixelPlace(r, centre, wit, w, vx);
        if (told === 'frame') stillInFrame++;
        // Held on most of its length but bent there (a wire swaying from where it hangs): picture.
        else if (told === 'picture' || followsLine(r, centre, wit, w, h, vx, vy, reach * Math.abs(wit.offset), contrast)) found++;
        else {
          cannotTell++;
          if (lineChanged(r, centre, wit, w, h, vx, vy, unit)) changedAlone++;
        }
        continue;
      }
      // Not where it was nor where the camera took it: a wire or a twig that swayed, or the edge of
      // something moving on its own.
      if (followsLine(r, centre, wit, w, h, vx, vy, reach * Math.abs(wit.offset), contrast)) {
        found++;
        continue;
      }
    }
    // A wire strung across the picture that swayed or bent: followed column by column, as a line row by
    // row. Two witnesses must follow it (a hair may be followed by chance in one).
    if (wire && followsLine(r, centre, wit, w, h, vx, vy, reach * Math.abs(wit.offset), contrast, false)) {
      found++;
      if (found >= Math.min(2, witnesses.length)) return 'present';
      continue;
    }
    // Outside lines the search serves only 'present' (found in two witnesses, one of them among the two
    // nearest: what moved on its own shows in the next frame or the last): with too few witnesses left to
    // reach two, or none of the nearest two holding it, it cannot change the verdict. A damage region is
    // spared its costliest searches, two frames away. (Found only there, a look-alike by chance, as often.)
    if (!line && (found + witnesses.length - k < Math.min(2, witnesses.length) || (k >= 2 && found === 0))) continue;
    let match = bestMatch(centre, wit.luma, s, w, h, vx, vy, reach * Math.abs(wit.offset));
    // Where the camera's vector leaves the frame there is no departure to compare a match with.
    if (Number.isNaN(match.d) || Number.isNaN(atCamera)) continue;
    // Found: matched well somewhere, or hardly departing at the camera's vector already (it is there).
    // Pixel by pixel too: a bright speck beside dark dirt departs by nothing on average.
    const inPlace = Math.abs(atCamera) < WEAK_DEPARTURE && departureOf(centre, s.inner, view, true) <= RING_MEAN_PER_MEDIAN * wit.noise + WEAK_DEPARTURE;
    // The further from the camera's vector a match lies, the more places were tried and the likelier a
    // look-alike (a flat white blotch matches any bright patch of picture): a region that stands out from
    // surroundings that stayed where the camera took them must then depart little against its own
    // contrast too, as what kept its place in the frame must.
    const lookAlike = (m: Match) => contrast >= HELD_CONTRAST && Math.hypot(m.dx - vx, m.dy - vy) > FAR_MATCH * reach * Math.abs(wit.offset) && !outlineMoves(k);
    const matched = (m: Match) => !Number.isNaN(m.d) && Math.abs(m.d) <= Math.max(GRAIN_FLOOR, PRESENT_RATIO * (lookAlike(m) ? Math.min(Math.abs(atCamera), contrast) : Math.abs(atCamera)));
    // A streak is motion blur, drawn along the way it moves (a raindrop, a thrown ball): it may be found
    // further along that way than anything else moves.
    // Rain near the lens may keep to the frame rather than the picture, so the streak is followed from
    // where it was in the frame too.
    if (!inPlace && !matched(match) && streak) {
      const along = STREAK_REACH * reach * Math.abs(wit.offset);
      match = alongStreak(centre, wit.luma, s, w, h, vx, vy, streak, along, match);
      if (!matched(match) && Math.hypot(vx, vy) >= 1) match = alongStreak(centre, wit.luma, s, w, h, 0, 0, streak, along, match);
    }
    // Where the camera moved further than such a thing drifts, something that kept to its place in the
    // frame is looked for there by its own pixels against the mean of what now surrounds it: its ring (the
    // picture) went with the camera, so the region-and-ring search cannot find it there.
    const drift = Math.max(1, Math.round(HELD_REACH * reach * Math.abs(wit.offset)));
    // Found there, it must also depart by little against its own contrast, not only against its departure
    // at the camera's vector, which may hold a moving figure's background (dust on the figure would match
    // anything alike).
    if (!inPlace && !matched(match) && !line && contrast >= HELD_CONTRAST && Math.hypot(vx, vy) > drift) {
      const held = heldInFrame(centre, wit.luma, s, w, h, drift, match);
      if (Math.abs(held.d) <= Math.max(GRAIN_FLOOR, PRESENT_RATIO * contrast)) match = held;
    }
    if (!inPlace && !matched(match)) continue;
    // A line found near where it was in the frame has drifted, as scratches do (or the picture did not move).
    // Only the drift across it counts: a line matches itself anywhere along its own length.
    if (line && Math.abs(match.dx * across![0] + match.dy * across![1]) <= LINE_DRIFT * Math.max(1, unit)) {
      if (movedAcross(vx, vy)) stillInFrame++;
      else cannotTell++;
      continue;
    }
    found++;
    // Found in two neighbours (or the only one): picture that moved on its own, whatever the others show.
    // One chance look-alike is not enough.
    if (!line && found >= Math.min(2, witnesses.length)) return 'present';
  }

  if (line) {
    // Motion or certainty says scratch; a step between its two sides says the edge of something, and a
    // slant says something the camera follows (a persistent scratch runs along the film).
    const scratchOrEdge = () => (alongStep(r, centre, w) ? 'edge' : alongFilm(r, across!, unit) ? 'scratch' : 'slanted-line');
    if (stillInFrame > found) return scratchOrEdge();
    if (found > 0) return 'present';
    // Changed on its own in two neighbours that hold it in place, the picture beside it unchanged: its
    // density varies as a scratch's does, on the film.
    if (changedAlone >= 2) return scratchOrEdge();
    // Held by neighbours that cannot tell (the picture did not move there): motion cannot tell a scratch
    // from a door frame, only the look can, and the network has learnt it on still pictures full of poles
    // and frames. It must be sure. A line no neighbour holds is judged like any other region.
    // One of several lines side by side (the seams of a board wall, a fence, window bars) is the picture's
    // pattern, however sure the network is: scratches come alone.
    if (cannotTell > 0) return meanProb(prob, s.inner) >= LINE_PROB && !amongParallelLines(r, centre, w, unit) ? scratchOrEdge() : 'static-line';
  }

  // Damage needs two neighbours that agree with each other under the region while the centre departs from
  // both the same way. Any such pair will do: one of the others may hold damage of its own there.
  let weak = true;
  const wide = r.pixels.length >= WIDE_AREA * Math.max(1, unit * unit);
  for (let i = 0; i < aligned.length; i++) {
    for (let j = i + 1; j < aligned.length; j++) {
      const a = aligned[i]!;
      const b = aligned[j]!;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      const da = centreMean - a;
      const db = centreMean - b;
      const dep = Math.min(Math.abs(da), Math.abs(db));
      const noise = Math.max(witnesses[i]!.noise, witnesses[j]!.noise);
      const least = wide ? Math.max(WEAK_DEPARTURE, WIDE_SIGMAS * noise) : WEAK_DEPARTURE;
      if (dep < least || Math.sign(da) !== Math.sign(db)) continue;
      weak = false;
      // A repeated frame (telecine) agrees with its twin in everything, damage included: one witness.
      if (sameFrame(views[i]!, views[j]!)) continue;
      if (pairAgrees(views[i]!, views[j]!, dep)) {
        // The centre's film frame is scanned twice, so on that side the window holds one other film frame,
        // not two: when that one holds the region in place, the picture changed there (light, a shadow)
        // and stayed so. Dust on one film frame is on its twin only.
        if (heldPastRepeat <= PRESENT_RATIO * dep) return 'present';
        if (isFlicker(r, dep, unit)) return 'flicker';
        if (movesOnItsOwn(r, centre, witnesses, mask, w, h, reach, unit, v)) return 'moving';
        agreed.views = [views[i]!, views[j]!];
        agreed.departure = Math.sign(da) * dep;
        agreed.noise = noise;
        return 'damage';
      }
    }
  }
  // One witness, or one of several that can read the region (the others changed all around it: something
  // passed there, or textured picture moved by a fraction of a pixel). Before 2026-12-04 a region only one
  // of several could read was 'weak', whatever it departed (a white speck of 0.44 on a panned fabric).
  const readable = aligned.filter((x) => !Number.isNaN(x));
  if (readable.length === 1) {
    const a = readable[0]!;
    if (Math.abs(centreMean - a) < WEAK_DEPARTURE) return 'weak';
    // One witness cannot be checked by a second: the segmenter must be sure as well, and where the others
    // could not read it, a limb moving on its own is the likelier cause (a leg on a shot's last frame).
    if (meanProb(prob, s.inner) < ALONE_PROB) return 'no-witness';
    if (witnesses.length > 1 && movesOnItsOwn(r, centre, witnesses, mask, w, h, reach, unit, v)) return 'moving';
    return 'damage';
  }
  return weak ? 'weak' : 'disagree';
}

/** The region's outline ring of movesOnItsOwn, subsampled. */
function outlineSamples(r: Region, mask: Uint8Array, w: number, h: number, unit: number): Int32Array {
  return thin(outlineRing(r, mask, w, h, MOVING_RING_FROM, Math.max(MOVING_RING_TO, Math.round(MOVING_RING_TO * unit))));
}

/**
 * Where the camera took the outline `ring` (its vector, rounded, and the ring's median offset) when the
 * ring departs there on at least MOVING_RING_SHARE of its pixels: something around the region moves on
 * its own. Null when the ring stays (or too little of it is in the neighbour's frame).
 */
function outlineMoved(ring: Int32Array, centre: Float32Array, wit: Witness, w: number, h: number, cx: number, cy: number, v: Float64Array): [number, number, number] | null {
  cameraVector(wit, cx, cy, v);
  const dx = Math.round(v[0]!);
  const dy = Math.round(v[1]!);
  const diffs: number[] = [];
  for (const p of ring) {
    const there = readAt(wit.luma, p, w, h, dx, dy, undefined, v);
    if (!Number.isNaN(there)) diffs.push(centre[p]! - there);
  }
  if (diffs.length < MOVING_MIN_RING) return null;
  const off = median(Float64Array.from(diffs));
  const limit = MOVING_RING_SIGMAS * Math.max(wit.noise, GRAIN_FLOOR);
  let departing = 0;
  for (const d of diffs) if (Math.abs(d - off) > limit) departing++;
  return departing < MOVING_RING_SHARE * diffs.length ? null : [dx, dy, off];
}

/**
 * A region whose outline departs from every neighbour at the camera's vector (something around it moves on
 * its own: a walking figure's body above its leg) and whose content one neighbour holds close by, where it
 * moved: a swinging limb in a still shot, which both neighbours show as background and so look like damage
 * to the pair test. Dust lies on picture that went with the camera, and no neighbour holds its content.
 */
function movesOnItsOwn(r: Region, centre: Float32Array, witnesses: readonly Witness[], mask: Uint8Array, w: number, h: number, reach: number, unit: number, v: Float64Array): boolean {
  const ring = outlineSamples(r, mask, w, h, unit);
  if (ring.length < MOVING_MIN_RING) return false;
  const cx = Math.min(w - 1, (r.x0 + r.x1) >> 1);
  const cy = Math.min(h - 1, (r.y0 + r.y1) >> 1);
  const at: [number, number, number][] = [];
  for (const wit of witnesses) {
    const moved = outlineMoved(ring, centre, wit, w, h, cx, cy, v);
    if (!moved) return false;
    at.push(moved);
  }
  // On a shot's first or last frames every witness lies on one side, and a limb that swung leaves no
  // second side to disagree with: its surroundings moving in each witness are enough, though its content
  // turned or bent past finding (a leg on seed 2's first frame: 557 px repainted with a wider network).
  if (oneSided(witnesses)) return true;
  // Limbs and bodies move further than dust is wide: the search grows with the region.
  const range = Math.round(Math.max(reach, MOVING_REACH * Math.sqrt(r.pixels.length)));
  const inner = thin(r.pixels);
  const innerC = Float64Array.from(inner, (p) => centre[p]!);
  return witnesses.some((wit, k) => {
    const [dx, dy, off] = at[k]!;
    const luma = wit.luma;
    // The search tries hundreds of displacements per region: where the region's box stays in the frame
    // (nearly always) no pixel needs a bounds check, and a displacement stops once it cannot fit.
    const cost = (ox: number, oy: number, limit = Infinity) => {
      if (r.x0 + ox >= 0 && r.x1 + ox <= w && r.y0 + oy >= 0 && r.y1 + oy <= h) {
        const shift = oy * w + ox;
        let sum = 0;
        // The same comparison as the caller's, on a sum that only grows: it stops only where the whole would fail.
        for (let i = 0; i < inner.length && sum / inner.length <= limit; i++) sum += Math.abs(innerC[i]! - luma[inner[i]! + shift]! - off);
        return sum / inner.length;
      }
      let sum = 0;
      let n = 0;
      for (const p of inner) {
        const there = readAt(wit.luma, p, w, h, ox, oy, undefined, v);
        if (Number.isNaN(there)) continue;
        sum += Math.abs(centre[p]! - there - off);
        n++;
      }
      return n < inner.length / 2 ? Infinity : sum / n;
    };
    const found = MOVING_FOUND * cost(dx, dy);
    for (let oy = -range; oy <= range; oy += 2) {
      for (let ox = -range; ox <= range; ox += 2) if (cost(dx + ox, dy + oy, found) <= found) return true;
    }
    return false;
  });
}

/**
 * The neighbour's view of the region where its ring matches the centre's: at the camera's vector when the
 * ring fits there, else at the displacement that fits the ring best within `reach`; null when none fits
 * (the region sits on a motion boundary, and what lies under it in the neighbour is unknown).
 */
function explainedView(centre: Float32Array, wit: Witness, s: Samples, w: number, h: number, atCamera: AlignedView, vx: number, vy: number, reach: number): AlignedView | null {
  const limit = RING_FIT * Math.max(wit.noise, GRAIN_FLOOR);
  if (ringMismatch(s, atCamera) <= limit) return atCamera;
  const ringOnly = (x: Samples): Samples => ({ inner: x.ring, ring: x.ring, innerC: x.ringC, ringC: x.ringC, box: x.box });
  const m = bestMatch(centre, wit.luma, { ...ringOnly(s), ...(s.coarse ? { coarse: ringOnly(s.coarse) } : {}) }, w, h, vx, vy, reach);
  const moved = alignedView(wit.luma, s, w, h, m.dx, m.dy);
  return ringMismatch(s, moved) <= limit ? moved : null;
}

/** The median absolute difference between the centre's ring and the neighbour's view of it. */
function ringMismatch(s: Samples, view: AlignedView): number {
  return medianDifference(s.ringC, view.ring, true) ?? 0;
}

/**
 * The median of a[i] − b[i] (absolute with `abs`) over the samples where both are in the frame (not NaN);
 * null when none is. Taken several times per region and witness: no callbacks, one allocation.
 */
function medianDifference(a: ArrayLike<number>, b: ArrayLike<number>, abs: boolean): number | null {
  const d = new Float64Array(a.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - b[i]!;
    if (!Number.isNaN(x)) d[n++] = abs ? Math.abs(x) : x;
  }
  return n ? median(d.subarray(0, n)) : null;
}

/** The two aligned neighbours that confirmed a region as damage, and its departure from them (signed). */
interface Agreement {
  views: [AlignedView, AlignedView] | null;
  departure: number;
  /** The larger of the two neighbours' noise (grain and alignment error against the centre). */
  noise: number;
}

/**
 * The region's pixels that depart from the agreeing neighbours' view the way the region does, by at least
 * TRIM_SHARE of its departure: the damage without the rim of picture the segmenter drew around it. A pixel
 * most of whose neighbours depart is kept too, so grain does not punch holes in a speck, and so is one the
 * segmenter is sure of.
 */
function departing(r: Region, centre: Float32Array, agreed: Agreement, w: number, h: number, prob: Float32Array | null, sure: number): Int32Array {
  const [a, b] = agreed.views!;
  const floor = Math.max(GRAIN_FLOOR, TRIM_SHARE * Math.abs(agreed.departure));
  const sign = Math.sign(agreed.departure);
  const v = new Float64Array(2);
  // Per pixel of the region's box: 1 in the region, 2 in it and departing.
  const bw = r.x1 - r.x0;
  const bh = r.y1 - r.y0;
  const state = new Uint8Array(bw * bh);
  const local = (p: number) => (Math.floor(p / w) - r.y0) * bw + (p % w) - r.x0;
  for (const p of r.pixels) {
    const ref = agreedAt(a, b, p, w, h, v);
    // Off the frame in both: nothing to compare, keep it.
    state[local(p)] = Number.isNaN(ref) || sign * (centre[p]! - ref) >= floor || (prob !== null && prob[p]! >= sure) ? 2 : 1;
  }
  const kept: number[] = [];
  for (const p of r.pixels) {
    const lx = (p % w) - r.x0;
    const ly = Math.floor(p / w) - r.y0;
    if (state[ly * bw + lx] === 2) {
      kept.push(p);
      continue;
    }
    let around = 0;
    let count = 0;
    for (let y = Math.max(0, ly - 1); y <= Math.min(bh - 1, ly + 1); y++) {
      for (let x = Math.max(0, lx - 1); x <= Math.min(bw - 1, lx + 1); x++) {
        const v = state[y * bw + x]!;
        if ((x === lx && y === ly) || v === 0) continue;
        count++;
        if (v === 2) around++;
      }
    }
    if (count > 0 && around >= 5) kept.push(p);
  }
  return Int32Array.from(kept);
}

/** The agreeing views' reading at `p`: their mean, or the one that holds `p` where the other is off the frame (NaN where neither does). */
function agreedAt(a: AlignedView, b: AlignedView, p: number, w: number, h: number, v: Float64Array): number {
  const va = viewAt(a, p, w, h, v);
  const vb = viewAt(b, p, w, h, v);
  return Number.isNaN(va) ? vb : Number.isNaN(vb) ? va : (va + vb) / 2;
}

/**
 * The kept pixels and up to `steps` pixels around them that depart from the agreeing neighbours' mean the
 * damage's way by more than the grain (GROW_SIGMAS of the noise, `leaningSigmas` where the segmenter
 * leans towards damage) and TRIM_SHARE of its departure: the soft edge of a speck, which the segmenter
 * often leaves out and which shows as a halo when left.
 */
function withRim(kept: Int32Array, box: Region, centre: Float32Array, agreed: Agreement, w: number, h: number, steps: number, prob: Float32Array | null, leaningSigmas: number): Int32Array {
  if (kept.length === 0) return kept;
  const [a, b] = agreed.views!;
  const sign = Math.sign(agreed.departure);
  const bar = (sigmas: number) => Math.max(sigmas * Math.max(agreed.noise, GRAIN_FLOOR / 2), TRIM_SHARE * Math.abs(agreed.departure));
  const floor = bar(GROW_SIGMAS);
  const leaning = bar(leaningSigmas);
  const v = new Float64Array(2);
  // Off the frame in both, a pixel has nothing to depart from: NaN fails the test.
  const departs = (q: number) => sign * (centre[q]! - agreedAt(a, b, q, w, h, v)) >= (prob !== null && prob[q]! >= LEANING_PROB ? leaning : floor);
  // Growth stays within `steps` of the region's box (which holds the kept pixels): a map of it says what was
  // looked at (a Set of pixel numbers cost a tenth of the gate's time at 2K).
  const bx0 = Math.max(0, box.x0 - steps);
  const by0 = Math.max(0, box.y0 - steps);
  const bw = Math.min(w, box.x1 + steps) - bx0;
  const seen = new Uint8Array(bw * (Math.min(h, box.y1 + steps) - by0));
  const at = (x: number, y: number) => (y - by0) * bw + x - bx0;
  for (const p of kept) seen[at(p % w, Math.floor(p / w))] = 1;
  const out = [...kept];
  let frontier: ArrayLike<number> & Iterable<number> = kept;
  for (let step = 0; step < steps && frontier.length > 0; step++) {
    const next: number[] = [];
    for (const p of frontier) {
      const px = p % w;
      const py = (p - px) / w;
      for (let y = Math.max(0, py - 1); y <= Math.min(h - 1, py + 1); y++) {
        for (let x = Math.max(0, px - 1); x <= Math.min(w - 1, px + 1); x++) {
          if (seen[at(x, y)]) continue;
          seen[at(x, y)] = 1;
          const q = y * w + x;
          if (departs(q)) next.push(q);
        }
      }
    }
    out.push(...next);
    frontier = next;
  }
  return Int32Array.from(out);
}

/**
 * A line scratch's pixels: the segmenter's region (with `trim`, where its probability was enlarged from a
 * reduced window and is a pixel or two wider than the line, only the row's pixels departing from the
 * picture beside it by LINE_FLANK_SHARE of the row's peak), and where it draws the line narrower, the
 * scratch's soft flank: up to `steps` pixels beyond each row's ends that depart the scratch's way from the
 * picture further out by LINE_GROW_SIGMAS of the grain (`noise`) and from the picture beside the row (a
 * few pixels out on both sides) by LINE_FLANK_SHARE of the row's largest departure. Until the seventeenth
 * session (2026-12-05) rows were trimmed at every size: at 480 px, where the network reads the frame as it
 * is, that left out more of the scratches' own visible pixels than of the picture beside them (three draws
 * of the unseen split: recall +0.004 / +0.002 / +0.005 without it, precision -0.008 / -0.004 / -0.006,
 * all within 2 px of the scratches; no clean pixel more, the real clip unchanged); at 2K (seed 1,
 * SURE_PROB 0.5 there) untrimmed, precision 0.843 -> 0.823 for recall +0.001.
 */
function lineWithFlanks(r: Region, centre: Float32Array, w: number, noise: number, steps: number, trim: boolean): Int32Array {
  const rows = new Map<number, number[]>();
  for (const p of r.pixels) {
    const y = Math.floor(p / w);
    const row = rows.get(y) ?? [];
    row.push(p);
    rows.set(y, row);
  }
  const kept: number[] = [];
  for (const [y, row] of rows) {
    let lo = w;
    let hi = -1;
    for (const p of row) {
      lo = Math.min(lo, p % w);
      hi = Math.max(hi, p % w);
    }
    const side: number[] = [];
    for (let k = 2; k <= 3; k++) {
      if (lo - k >= 0) side.push(centre[y * w + lo - k]!);
      if (hi + k < w) side.push(centre[y * w + hi + k]!);
    }
    if (side.length === 0) {
      kept.push(...row);
      continue;
    }
    const bg = side.reduce((x, v) => x + v, 0) / side.length;
    let peak = 0;
    let sign = 0;
    for (const p of row) {
      const d = centre[p]! - bg;
      if (Math.abs(d) > peak) [peak, sign] = [Math.abs(d), Math.sign(d)];
    }
    for (const p of row) if (!trim || Math.abs(centre[p]! - bg) >= LINE_FLANK_SHARE * peak) kept.push(p);
    const floor = Math.max(LINE_FLANK_SHARE * peak, LINE_GROW_SIGMAS * noise);
    for (const dir of [-1, 1]) {
      // Each flank pixel against the picture two and three pixels further out, and against the row's.
      for (let k = 1, x = (dir < 0 ? lo : hi) + dir; k <= steps; k++, x += dir) {
        const out2 = x + 2 * dir;
        const out3 = x + 3 * dir;
        if (out3 < 0 || out3 >= w) break;
        const c = centre[y * w + x]!;
        const beyond = (centre[y * w + out2]! + centre[y * w + out3]!) / 2;
        if (sign * (c - beyond) < floor || sign * (c - bg) < floor) break;
        kept.push(y * w + x);
      }
    }
  }
  return Int32Array.from(kept);
}

/** The centre's grain: the noise of the witness that differs least from it (grain and alignment error). */
function grainOf(witnesses: readonly Witness[]): number {
  let least = Infinity;
  for (const n of witnesses) least = Math.min(least, n.noise);
  return Number.isFinite(least) ? least : GRAIN_FLOOR;
}

/** A neighbour's values at a region's samples (inner, ring), in the centre's brightness (`off` added). */
interface Reading {
  inner: Float64Array;
  ring: Float64Array;
  off: number;
}

/** A neighbour's pixels under the region and its ring, at the camera's vector, in the centre's brightness. */
interface AlignedView extends Reading {
  /** The neighbour's luma and the displacement read at (for any other pixel, with `off`). */
  luma: Float32Array;
  dx: number;
  dy: number;
  /** Read through the neighbour's motion field, each pixel at its own vector, rather than at (dx, dy). */
  field?: AlignedNeighbour;
  /** The same samples read at whole pixels (the field's vectors rounded): the same as inner and ring without a field. */
  pixels: Reading;
}

/**
 * The view at (dx, dy), or with `field`, where the neighbour's motion field puts each pixel: under a zoom
 * or a rotation the camera's vector changes across a large region, and one vector for all of it leaves
 * its ring misaligned on textured picture (a 2K blotch on grass under a slow zoom: the ring off by three
 * times the grain, every neighbour judged unable to witness, the blotch left as 'weak').
 */
function alignedView(n: Float32Array, s: Samples, w: number, h: number, dx: number, dy: number, field?: AlignedNeighbour): AlignedView {
  const v = new Float64Array(2);
  // Both readings in one pass: the field's vector is the costly part.
  const read = (list: Int32Array) => {
    const between = new Float64Array(list.length);
    const whole = field ? new Float64Array(list.length) : between;
    for (let i = 0; i < list.length; i++) {
      between[i] = readAt(n, list[i]!, w, h, dx, dy, field, v);
      // readAt left the field's vector at the pixel in v.
      if (field) whole[i] = readAt(n, list[i]!, w, h, Math.round(v[0]!), Math.round(v[1]!), undefined, v);
    }
    return [between, whole] as const;
  };
  const shifted = (inner: Float64Array, ring: Float64Array): Reading => {
    const off = medianDifference(s.ringC, ring, false) ?? 0;
    for (let i = 0; i < inner.length; i++) inner[i] = inner[i]! + off;
    for (let i = 0; i < ring.length; i++) ring[i] = ring[i]! + off;
    return { inner, ring, off };
  };
  const [inner, innerWhole] = read(s.inner);
  const [ring, ringWhole] = read(s.ring);
  const view = shifted(inner, ring);
  return { ...view, luma: n, dx, dy, pixels: field ? shifted(innerWhole, ringWhole) : view, ...(field ? { field } : {}) };
}

/**
 * The neighbour's value for the centre's pixel p: at (dx, dy), or at the field's vector there, read
 * between pixels (bilinear); NaN off the frame. The field's vectors are fractional: rounded, two
 * neighbours read up to a pixel apart on sharp picture and disagree there (before the sixteenth session
 * of 2026-12-05, a white blotch over a sign's lettering under a zoom, departing 0.09 from all four
 * neighbours alike, was left as 'disagree'). Writes the field's vector at p into v.
 */
function readAt(n: Float32Array, p: number, w: number, h: number, dx: number, dy: number, field: AlignedNeighbour | undefined, v: Float64Array): number {
  const px = p % w;
  const py = (p - px) / w;
  if (!field) return at(n, px + dx, py + dy, w, h);
  cameraVector(field, px, py, v);
  const x = px + v[0]!;
  const y = py + v[1]!;
  if (w < 2 || h < 2) return at(n, Math.round(x), Math.round(y), w, h);
  // Within half a pixel of the frame's edge: the edge pixel, as the nearest reading takes it.
  if (!(x >= -0.5 && x < w - 0.5 && y >= -0.5 && y < h - 0.5)) return NaN;
  const x0 = Math.max(0, Math.min(w - 2, Math.floor(x)));
  const y0 = Math.max(0, Math.min(h - 2, Math.floor(y)));
  const fx = Math.max(0, Math.min(1, x - x0));
  const fy = Math.max(0, Math.min(1, y - y0));
  const i = y0 * w + x0;
  return (1 - fy) * ((1 - fx) * n[i]! + fx * n[i + 1]!) + fy * ((1 - fx) * n[i + w]! + fx * n[i + w + 1]!);
}

/** The pixel at (x, y); NaN off the frame. */
function at(n: Float32Array, x: number, y: number, w: number, h: number): number {
  return x >= 0 && x < w && y >= 0 && y < h ? n[y * w + x]! : NaN;
}

/** The view's value for the centre's pixel p (any pixel, not only its samples), in the centre's brightness; NaN off the frame. */
function viewAt(view: AlignedView, p: number, w: number, h: number, v: Float64Array): number {
  return readAt(view.luma, p, w, h, view.dx, view.dy, view.field, v) + view.off;
}

/** Two neighbours that are one film frame twice (a telecine repeat): identical to well within the grain. */
function sameFrame(first: AlignedView, second: AlignedView): boolean {
  // At whole pixels: read between them, any two neighbours' grain is smoothed alike.
  const [a, b] = [first.pixels, second.pixels];
  let sum = 0;
  let n = 0;
  for (const [x, y] of [[a.inner, b.inner], [a.ring, b.ring]] as const) {
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - a.off - (y[i]! - b.off));
      if (Number.isNaN(d)) continue;
      sum += d;
      n++;
    }
  }
  return n > 0 && sum / n < 0.1 * GRAIN_FLOOR;
}

/**
 * Two aligned neighbours agree under the region when they differ there, pixel by pixel, no more than they
 * differ on its ring (grain and alignment error) plus a quarter of the centre's departure. Pixel by pixel:
 * something covering different halves of the region in the two would still agree on average.
 */
function pairAgrees(a: AlignedView, b: AlignedView, departure: number): boolean {
  // Read between pixels or, where the field is wrong by a fraction (a gate band that stays put under a
  // panned picture), at whole pixels.
  return agreeOn(a, b, departure) || ((a.field !== undefined || b.field !== undefined) && agreeOn(a.pixels, b.pixels, departure));
}

/** pairAgrees on one reading of the two views. */
function agreeOn(a: Reading, b: Reading, departure: number): boolean {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.inner.length; i++) {
    const d = Math.abs(a.inner[i]! - b.inner[i]!);
    if (Number.isNaN(d)) continue;
    sum += d;
    n++;
  }
  if (n === 0) return false;
  // The ring's typical difference is the grain and the alignment error in this patch of picture (textured
  // picture misaligns by more); its median, because something passing may cover part of the ring.
  const ring = medianDifference(a.ring, b.ring, true);
  const grain = ring === null ? GRAIN_FLOOR : RING_MEAN_PER_MEDIAN * ring;
  return sum / n <= RING_SLACK * grain + Math.max(GRAIN_FLOOR, AGREE_RATIO * departure);
}

/**
 * A border drawn all round the picture (a bright gate with rounded corners) is one region along two or
 * more sides of the frame: its box is the frame's, so no side's test sees a band. It runs along at least
 * EDGE_MIN_LENGTH of a side and nearly all of it lies within EDGE_BAND of the edges; a blotch in a corner
 * is not that long.
 */
function framesPicture(r: Region, w: number, h: number): boolean {
  const flush = Number(r.x0 === 0) + Number(r.x1 === w) + Number(r.y0 === 0) + Number(r.y1 === h);
  if (flush < 2 || (r.x1 - r.x0 < EDGE_MIN_LENGTH * w && r.y1 - r.y0 < EDGE_MIN_LENGTH * h)) return false;
  const bx = EDGE_BAND * w;
  const by = EDGE_BAND * h;
  let inBand = 0;
  for (const p of r.pixels) {
    const x = p % w;
    const y = (p - x) / w;
    if (x < bx || x >= w - bx || y < by || y >= h - by) inBand++;
  }
  return inBand >= RING_IN_BAND * r.pixels.length;
}

/**
 * A band along the frame's edge: the gate's edge, a black or bright border, the edge of the scan window.
 * They flicker and weave with the film, so the neighbours never confirm them, yet they are not damage.
 * Near the edge but not on it, only a step between the band and the picture counts: a line with picture
 * on both sides is a scratch (or a pole) like any other, and is judged as one.
 */
function alongEdge(r: Region, w: number, h: number, centre: Float32Array): boolean {
  const bw = r.x1 - r.x0;
  const bh = r.y1 - r.y0;
  // A band flush with the edge needs no length: it is the edge.
  if (((r.x0 === 0 || r.x1 === w) && bh >= EDGE_ELONGATION * bw) || ((r.y0 === 0 || r.y1 === h) && bw >= EDGE_ELONGATION * bh)) return true;
  if (framesPicture(r, w, h)) return true;
  // The band's inner edge is what gets flagged, a few per cent of the frame in from its side; a scratch
  // there has the same picture on both sides.
  const nearSide = r.x0 <= EDGE_BAND * w || r.x1 >= (1 - EDGE_BAND) * w;
  const nearTopOrBottom = r.y0 <= EDGE_BAND * h || r.y1 >= (1 - EDGE_BAND) * h;
  const vertical = nearSide && bh >= EDGE_ELONGATION * bw;
  const horizontal = nearTopOrBottom && bw >= EDGE_ELONGATION * bh && bw >= EDGE_MIN_LENGTH * w;
  return (vertical || horizontal) && stepAcross(r, centre, w, h, vertical) >= EDGE_STEP;
}

/**
 * The mean luma difference between the two sides of a long region, a few pixels beyond it on each row
 * (`vertical`) or column: large where it separates a border band from the picture, small on a line.
 */
function stepAcross(r: Region, centre: Float32Array, w: number, h: number, vertical: boolean): number {
  const span = vertical ? r.y1 - r.y0 : r.x1 - r.x0;
  const { lo, hi } = rowSpans(r, w, vertical, h);
  const size = vertical ? w : h;
  const at = (i: number, a: number) => (vertical ? centre[(r.y0 + i) * w + a]! : centre[a * w + r.x0 + i]!);
  let before = 0;
  let after = 0;
  let nb = 0;
  let na = 0;
  for (let i = 0; i < span; i++) {
    if (hi[i]! < 0) continue;
    for (let k = 2; k <= EDGE_SIDE; k++) {
      if (lo[i]! - k >= 0) {
        before += at(i, lo[i]! - k);
        nb++;
      }
      if (hi[i]! + k < size) {
        after += at(i, hi[i]! + k);
        na++;
      }
    }
  }
  // With one side off the frame the region is at the edge itself.
  return nb === 0 || na === 0 ? Infinity : Math.abs(before / nb - after / na);
}

/** Per row (`vertical`) or column of a region's box, its first and last pixel across (hi −1 where it has none). */
function rowSpans(r: Region, w: number, vertical: boolean, h = 0): { lo: Int32Array; hi: Int32Array } {
  const span = vertical ? r.y1 - r.y0 : r.x1 - r.x0;
  const lo = new Int32Array(span).fill(vertical ? w : h);
  const hi = new Int32Array(span).fill(-1);
  for (const p of r.pixels) {
    const x = p % w;
    const y = (p - x) / w;
    const [i, across] = vertical ? [y - r.y0, x] : [x - r.x0, y];
    if (across < lo[i]!) lo[i] = across;
    if (across > hi[i]!) hi[i] = across;
  }
  return { lo, hi };
}

/**
 * Whether a near-vertical line is one of several side by side (see PARALLEL_REACH): the centre's profile
 * across the line, averaged over its rows (each row centred on the line, so a wandering line stays
 * sharp), has PARALLEL_LINES other ridges of the line's polarity and PARALLEL_SHARE of its height: a ridge
 * departs from the mean of the pixels `side` px either way of it, and stands out of each (a step or the
 * edge of a wide bar does not).
 */
function amongParallelLines(r: Region, centre: Float32Array, w: number, unit: number): boolean {
  const { lo, hi } = rowSpans(r, w, true);
  const reach = Math.max(8, Math.round(PARALLEL_REACH * unit));
  const side = 3 * Math.max(1, Math.round(unit));
  const sum = new Float64Array(2 * reach + 1);
  const count = new Float64Array(2 * reach + 1);
  // A few hundred rows make a steady profile: a 4K scratch's thousands would cost milliseconds each.
  const step = Math.max(1, Math.ceil(lo.length / PARALLEL_ROWS));
  for (let i = 0; i < lo.length; i += step) {
    if (hi[i]! < 0) continue;
    const c = (lo[i]! + hi[i]!) >> 1;
    const row = (r.y0 + i) * w;
    for (let d = Math.max(-reach, -c); d <= Math.min(reach, w - 1 - c); d++) {
      sum[d + reach] = sum[d + reach]! + centre[row + c + d]!;
      count[d + reach] = count[d + reach]! + 1;
    }
  }
  const profile = (d: number) => (count[d + reach] ? sum[d + reach]! / count[d + reach]! : NaN);
  // A ridge's height: the profile at d against the mean of both sides, the `sign` way; NaN where a side
  // leaves the reach or the frame (compares false: no ridge there).
  const ridge = (d: number, sign: number) => (Math.abs(d) + side > reach ? NaN : sign * (profile(d) - (profile(d - side) + profile(d + side)) / 2));
  // A line stands out of both sides: the inner edge of a wide bar or a step is level with one of them.
  const stands = (d: number, sign: number) => sign * (profile(d) - profile(d - side)) > 0 && sign * (profile(d) - profile(d + side)) > 0;
  // The line itself: its polarity from its rows' centres (between two dark seams the picture stands out
  // bright as much as they do dark), then its highest ridge within a pixel of them.
  const sign = Math.sign(ridge(0, 1));
  let own = 0;
  let at = 0;
  for (let d = -1; d <= 1; d++) {
    const v = ridge(d, sign);
    if (v > own) [own, at] = [v, d];
  }
  if (!(own > 0)) return false;
  let others = 0;
  for (let d = side - reach; d <= reach - side; d++) {
    // Past the line's own ridge and its flanks.
    if (Math.abs(d - at) < side + 2) continue;
    const v = ridge(d, sign);
    // A ridge at the reach's end has no outer neighbour to compare with: its inner one must do.
    if (v >= PARALLEL_SHARE * own && stands(d, sign) && !(ridge(d - 1, sign) > v) && !(ridge(d + 1, sign) > v)) {
      others++;
      d += side - 1;
    }
  }
  return others >= PARALLEL_LINES;
}

/** Whether a near-vertical line runs along a step in the picture on most of its rows (see LINE_STEP). */
function alongStep(r: Region, centre: Float32Array, w: number): boolean {
  const { lo, hi } = rowSpans(r, w, true);
  let rows = 0;
  let up = 0;
  let down = 0;
  for (let i = 0; i < lo.length; i++) {
    if (hi[i]! < 0 || lo[i]! - EDGE_SIDE < 0 || hi[i]! + EDGE_SIDE >= w) continue;
    const row = (r.y0 + i) * w;
    let step = 0;
    for (let k = 2; k <= EDGE_SIDE; k++) step += centre[row + lo[i]! - k]! - centre[row + hi[i]! + k]!;
    step /= EDGE_SIDE - 1;
    rows++;
    if (step >= LINE_STEP) up++;
    else if (step <= -LINE_STEP) down++;
  }
  return rows > 0 && Math.max(up, down) >= LINE_STEP_ROWS * rows;
}

/**
 * A wide region that departs only a little from neighbours that agree is the film's own density or
 * exposure varying across the frame (local flicker, a light leak), not a blotch: repainting it would
 * swap the picture's texture and grain over a whole wall or face for a small change in brightness.
 */
function isFlicker(r: Region, departure: number, unit: number): boolean {
  const side = FLICKER_SIDE * Math.max(0.5, unit);
  return r.pixels.length >= side * side && departure < FLICKER_DEPARTURE;
}

/**
 * A line runs along the film (as a persistent scratch does: cut by grit in the gate or on a roller while the
 * film travels) when its axis is within SCRATCH_SLANT of vertical. `normal`: its principal axes' normal.
 */
function alongFilm(r: Region, normal: readonly [number, number], unit: number): boolean {
  const height = r.y1 - r.y0;
  // The normal of a vertical line is horizontal: its vertical component is the sine of the line's slant.
  // Its box no wider than that slant and a scratch's wander allow: a line joined to another one (a wire
  // across a post) has an upright axis too.
  return Math.abs(normal[1]) <= Math.sin(SCRATCH_SLANT) && r.x1 - r.x0 <= r.pixels.length / height + height * Math.tan(SCRATCH_SLANT) + LINE_WIDTH * Math.max(1, unit);
}

/**
 * Thin, tall and near vertical: how line scratches look (a hair is curved and short). With `vertical`
 * false: thin, long and nearer horizontal (a wire across the picture).
 */
function isLine(r: Region, unit: number, vertical = true): boolean {
  const length = vertical ? r.y1 - r.y0 : r.x1 - r.x0;
  const width = r.pixels.length / length;
  return width <= LINE_WIDTH * Math.max(1, unit) && length >= LINE_HEIGHT * Math.max(1, unit) && length >= LINE_ELONGATION * width;
}

/**
 * The unit direction of a short streak (a region at least `elongation` times longer than wide and at most a
 * few pixels wide), or null for any other shape.
 */
function streakAxis(r: Region, w: number, unit: number, elongation = STREAK_ELONGATION): [number, number] | null {
  const { major, minor, normal } = principalAxes(r, w);
  if (minor > STREAK_WIDTH * Math.max(1, unit) || major < elongation * Math.max(minor, 0.5)) return null;
  return [normal[1], -normal[0]];
}

/**
 * The proposals that are drops of rain or snow. The segmenter is sure of only a few drops of a shower,
 * often too few to show the fall (RAIN_STREAKS), and of some only a stub that is no streak: so the fall
 * is looked for among the regions it is less sure of too (RAIN_PROB), and a proposal lying mostly within
 * one of their drops is one.
 */
function rainOf(regions: readonly Region[], prob: Float32Array | null, w: number, h: number, unit: number): Set<Region> {
  const rain = precipitationOf(regions, w, h, unit);
  if (!prob) return rain;
  // At 2K and 4K the probability is the network's reading at about 1K, enlarged: the census reads it at
  // that scale (every f-th pixel of every f-th row), a quarter or a sixteenth of the work.
  const f = Math.max(1, Math.round(unit));
  const lw = Math.ceil(w / f);
  const lh = Math.ceil(h / f);
  const low = new Uint8Array(lw * lh);
  let count = 0;
  for (let y = 0; y < lh; y++) {
    const row = y * f * w;
    for (let x = 0; x < lw; x++) {
      if (prob[row + x * f]! >= RAIN_PROB) {
        low[y * lw + x] = 255;
        count++;
      }
    }
  }
  const fall = precipitationOf(regionsOf(low, lw, lh, count), lw, lh, unit / f);
  if (fall.size === 0) return rain;
  const wet = new Uint8Array(lw * lh);
  for (const drop of fall) for (const p of drop.pixels) wet[p] = 1;
  for (const r of regions) {
    let inDrop = 0;
    for (const p of r.pixels) {
      const x = p % w;
      inDrop += wet[Math.floor((p - x) / w / f) * lw + Math.floor(x / f)]!;
    }
    if (2 * inDrop > r.pixels.length) rain.add(r);
  }
  return rain;
}

/** The regions that are drops of rain or snow (see RAIN_STREAKS); empty when the frame holds no such fall. */
function precipitationOf(regions: readonly Region[], w: number, h: number, unit: number): Set<Region> {
  const streaks: { r: Region; angle: number; x: number; y: number }[] = [];
  for (const r of regions) {
    if (isLine(r, unit) && r.y1 - r.y0 > RAIN_MAX_LENGTH * h) continue;
    // Short drops are flagged as stubby strokes: the slant shared with many others decides, not the shape.
    const axis = streakAxis(r, w, unit, RAIN_ELONGATION);
    if (!axis) continue;
    // Slant in [0, π): a streak has no direction.
    const angle = Math.atan2(axis[1], axis[0]);
    streaks.push({ r, angle: angle < 0 ? angle + Math.PI : angle, x: (r.x0 + r.x1) / 2, y: (r.y0 + r.y1) / 2 });
  }
  const rain = new Set<Region>();
  if (streaks.length < RAIN_STREAKS) return rain;
  const apart = (a: number, b: number) => {
    const d = Math.abs(a - b) % Math.PI;
    return Math.min(d, Math.PI - d);
  };
  // The slant most streaks share.
  let best: number | null = null;
  let most = 0;
  for (const a of streaks) {
    let n = 0;
    for (const b of streaks) if (apart(a.angle, b.angle) <= RAIN_ANGLE) n++;
    if (n > most) [best, most] = [a.angle, n];
  }
  if (best === null || most < RAIN_STREAKS) return rain;
  const fall = streaks.filter((s) => apart(s.angle, best) <= RAIN_ANGLE);
  // Places across the slant: the spread of the streaks' centres along the slant's normal.
  const nx = -Math.sin(best);
  const ny = Math.cos(best);
  const across = fall.map((s) => s.x * nx + s.y * ny);
  const spread = Math.max(...across) - Math.min(...across);
  if (spread < RAIN_SPREAD * w) return rain;
  for (const s of fall) rain.add(s.r);
  return rain;
}

/**
 * Best match along a streak's axis, from the camera's vector out to `reach` both ways (the drop may fall
 * either way between frames), a pixel either side of it. `best` if nothing there departs less.
 */
function alongStreak(centre: Float32Array, n: Float32Array, s: Samples, w: number, h: number, vx: number, vy: number, axis: [number, number], reach: number, best: Match): Match {
  const at: [number, number][] = [];
  for (let k = -reach; k <= reach; k++) {
    for (const side of [-1, 0, 1]) at.push([Math.round(vx + k * axis[0] + side * axis[1]), Math.round(vy + k * axis[1] - side * axis[0])]);
  }
  return leastDeparting(centre, n, s, w, h, at, best);
}

/**
 * Best match within `reach` of where the region was in the frame, by its own pixels against the mean of
 * the ring there (not the ring's texture): a snowflake or anything else drifting slowly through a fast
 * pan, whose ring (the picture) went with the camera. `best` if nothing there departs less.
 */
function heldInFrame(centre: Float32Array, n: Float32Array, s: Samples, w: number, h: number, reach: number, best: Match): Match {
  const at: [number, number][] = [];
  for (let dy = -reach; dy <= reach; dy++) for (let dx = -reach; dx <= reach; dx++) at.push([dx, dy]);
  return leastDeparting(centre, n, s, w, h, at, best);
}

type Match = { dx: number; dy: number; d: number };

/**
 * Of the displacements `at`, where the region departs least from the neighbour, its ring's mean offset taken
 * out (cheap; the answer gets alignedView's median one); `best` if nothing there departs less.
 */
function leastDeparting(centre: Float32Array, n: Float32Array, s: Samples, w: number, h: number, at: readonly (readonly [number, number])[], best: Match): Match {
  let least = Infinity;
  let found: { dx: number; dy: number } | null = null;
  const { box, inner, ring, innerC, ringC } = s;
  if (inner.length === 0) return best;
  for (const [dx, dy] of at) {
    if (box.x0 + dx < 0 || box.x1 + dx > w || box.y0 + dy < 0 || box.y1 + dy > h) continue;
    const shift = dy * w + dx;
    let off = 0;
    for (let i = 0; i < ring.length; i++) off += ringC[i]! - n[ring[i]! + shift]!;
    off = ring.length ? off / ring.length : 0;
    let dep = 0;
    for (let i = 0; i < inner.length; i++) dep += innerC[i]! - n[inner[i]! + shift]! - off;
    dep = Math.abs(dep / inner.length);
    if (dep < least) {
      least = dep;
      found = { dx, dy };
    }
  }
  if (!found) return best;
  const d = departureOf(centre, s.inner, alignedView(n, s, w, h, found.dx, found.dy));
  return !Number.isNaN(d) && (Number.isNaN(best.d) || Math.abs(d) < Math.abs(best.d)) ? { ...found, d } : best;
}

/**
 * Where a line's own pixels are found in a neighbour: at the same place in the frame ('frame': on the
 * film, a scratch), where the camera moved the picture ('picture': a pole, a wire), at both or neither
 * clearly ('unknown'), or nowhere ('absent': it is on this frame only).
 */
function linePlace(
  centre: Float32Array,
  n: AlignedNeighbour,
  inner: Int32Array,
  w: number,
  h: number,
  vx: number,
  vy: number,
  contrast: number,
): 'frame' | 'picture' | 'unknown' | 'absent' {
  const err = (dx: number, dy: number) => {
    let sum = 0;
    let count = 0;
    for (const p of inner) {
      const x = (p % w) + dx;
      const y = (p - (p % w)) / w + dy;
      if (x < 0 || x >= w || y < 0 || y >= h) continue;
      sum += Math.abs(centre[p]! - n.luma[y * w + x]! - n.offsetLuma);
      count++;
    }
    return count >= inner.length / 2 ? sum / count : Infinity;
  };
  // The best of the pixels around each place: sub-pixel drift of a scratch, rounding of the vector.
  const near = (dx: number, dy: number) => Math.min(err(dx, dy), err(dx - 1, dy), err(dx + 1, dy), err(dx, dy - 1), err(dx, dy + 1));
  const atFrame = near(0, 0);
  const atPicture = near(vx, vy);
  if (!Number.isFinite(atFrame) && !Number.isFinite(atPicture)) return 'unknown';
  // Grain alone leaves a per-pixel difference of about the neighbour's noise; the line's own contrast must mostly go.
  if (Math.min(atFrame, atPicture) > n.noise + LINE_MATCH * contrast) return 'absent';
  if (atFrame < LINE_DECISIVE * atPicture) return 'frame';
  if (atPicture < LINE_DECISIVE * atFrame) return 'picture';
  return 'unknown';
}

/**
 * A line that moved or bent on its own (a swaying wire, a twig in the wind): row by row, its profile (the
 * line and FOLLOW_SIDE px either side) is matched along the row in the neighbour within `reach` of the
 * camera's vector, and the row holds the line when the line's own pixels match there; the line is
 * followed when most rows hold it at shifts that change steadily along it: it turned or bent. A hair or
 * a one-frame scratch is held on few rows, and where texture lends a ridge here and there the shifts jump.
 * With `vertical` false the same runs column by column, for a line nearer horizontal (a wire strung
 * across the picture).
 */
function followsLine(r: Region, centre: Float32Array, n: AlignedNeighbour, w: number, h: number, vx: number, vy: number, regionReach: number, contrast: number, vertical = true): boolean {
  const reach = FOLLOW_REACH * regionReach;
  const { lo, hi } = rowSpans(r, w, vertical, h);
  // Along the line (rows, or columns) and across it: the pixel at along-index i, across a, is
  // i * along + a * across.
  const [along0, alongShift, acrossShift, acrossSize, alongSize] = vertical ? [r.y0, Math.round(vy), Math.round(vx), w, h] : [r.x0, Math.round(vx), Math.round(vy), h, w];
  const [along, across] = vertical ? [w, 1] : [1, w];
  const limit = n.noise + LINE_MATCH * contrast;
  let rows = 0;
  const ys: number[] = [];
  const shifts: number[] = [];
  for (let i = 0; i < lo.length; i++) {
    if (hi[i]! < 0) continue;
    rows++;
    const y = along0 + i;
    const a = lo[i]! - FOLLOW_SIDE;
    const b = hi[i]! + FOLLOW_SIDE;
    if (y + alongShift < 0 || y + alongShift >= alongSize || a < 0 || b >= acrossSize) continue;
    const ny = y + alongShift;
    let best = Infinity;
    let found = 0;
    for (let d = Math.max(acrossShift - reach, -a); d <= Math.min(acrossShift + reach, acrossSize - 1 - b); d++) {
      let sad = 0;
      for (let x = a; x <= b && sad < best; x++) sad += Math.abs(centre[y * along + x * across]! - n.luma[ny * along + (x + d) * across]! - n.offsetLuma);
      if (sad < best) [best, found] = [sad, d];
    }
    if (!Number.isFinite(best)) continue;
    let own = 0;
    for (let x = lo[i]!; x <= hi[i]!; x++) own += Math.abs(centre[y * along + x * across]! - n.luma[ny * along + (x + found) * across]! - n.offsetLuma);
    if (own / (hi[i]! - lo[i]! + 1) > limit) continue;
    ys.push(i);
    shifts.push(found);
  }
  // Moved as a whole (a twig swaying sideways): the least-squares trend below needs a bend, and leaves
  // lending the line's profile here and there scatter it.
  if (vertical && heldAtOneShift(shifts, rows, acrossShift, Math.abs(n.offset), Math.max(1, w / 1024))) return true;
  if (rows === 0 || shifts.length < FOLLOW_ROWS * rows) return false;
  // Bent or turned: the shifts follow a straight fit along the rows closely and change along it by a few
  // pixels. A scratch held here at its place and there where the picture went (a pan) is two clusters.
  let inY = ys;
  let inShifts = shifts;
  let fit = straightFit(ys, shifts);
  for (const outlier of [FOLLOW_OUTLIER, FOLLOW_REFINE]) {
    if (!fit) return false;
    const f = fit;
    const keep = inY.map((y, j) => Math.abs(inShifts[j]! - f.at(y)) <= outlier);
    inY = inY.filter((_, j) => keep[j]);
    inShifts = inShifts.filter((_, j) => keep[j]);
    if (inY.length < FOLLOW_ROWS * rows) return false;
    fit = straightFit(inY, inShifts);
  }
  if (fit === null) return false;
  // A wire across the picture held along a straight trend moved, turned or bent: no scratch runs across
  // the film to be mistaken for it, so being held at one shift is enough.
  if (!vertical) return fit.rms <= FOLLOW_FIT;
  // The trend must explain most of the shifts' spread: a line held at one shift with scattered rows off it
  // (a scratch where the picture beside it outweighs its faint rows) has a slope too, by chance.
  if (fit.rms > FOLLOW_HELD * fit.spread) return false;
  return fit.rms <= FOLLOW_FIT && Math.abs(fit.slope) * (inY[inY.length - 1]! - inY[0]!) >= FOLLOW_BEND;
}

/**
 * Whether FOLLOW_WHOLE of a line's `rows` matched the neighbour `frames` away at one shift (within a
 * pixel), further from where the line was in the frame (0) than a scratch drifts in that time
 * (FOLLOW_WHOLE_DRIFT a frame) and FOLLOW_WHOLE_SHIFT px from where the camera took the picture
 * (`camera`): it moved on its own. A hair on one frame matches textured picture at scattered shifts.
 * `unit`: the frame's width over 1024, at least 1.
 */
function heldAtOneShift(shifts: readonly number[], rows: number, camera: number, frames: number, unit: number): boolean {
  let most = 0;
  let shift = 0;
  for (const d of new Set(shifts)) {
    let k = 0;
    for (const x of shifts) if (Math.abs(x - d) <= 1) k++;
    if (k > most) [most, shift] = [k, d];
  }
  return most >= FOLLOW_WHOLE * rows && Math.abs(shift) > FOLLOW_WHOLE_DRIFT * frames * unit && Math.abs(shift - camera) >= FOLLOW_WHOLE_SHIFT * unit;
}

/**
 * The least-squares line through (x, y) points: its slope, its value at any x, the root mean square
 * residual and the root mean square of y about its mean (what a level line leaves); null when all x are equal.
 */
function straightFit(xs: readonly number[], ys: readonly number[]): { slope: number; at: (x: number) => number; rms: number; spread: number } | null {
  const k = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let j = 0; j < k; j++) {
    sxx += (xs[j]! - mx) ** 2;
    sxy += (xs[j]! - mx) * (ys[j]! - my);
    syy += (ys[j]! - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const at = (x: number) => my + slope * (x - mx);
  let residual = 0;
  for (let j = 0; j < k; j++) residual += (ys[j]! - at(xs[j]!)) ** 2;
  return { slope, at, rms: Math.sqrt(residual / k), spread: Math.sqrt(syy / k) };
}

/**
 * Where a near-vertical line lies in a neighbour, to a fraction of a pixel, when the camera moved less than a
 * whole pixel or two across it: the row-by-row squared difference of the line (and a pixel beside it) against
 * the neighbour shifted along x, summed over the line's rows, with a parabola through the best shift. Grain
 * averages out over the rows; the line's own profile decides. 'unknown' when the motion is too small or the
 * shift fits neither place.
 */
function subpixelPlace(r: Region, centre: Float32Array, n: AlignedNeighbour, w: number, vx: number): 'frame' | 'picture' | 'unknown' {
  const a = Math.abs(vx);
  if (a < LINE_SUBPIXEL_MIN) return 'unknown';
  const m = Math.ceil(a) + 2;
  const cost = new Float64Array(2 * m + 1);
  const { lo, hi } = rowSpans(r, w, true);
  for (let i = 0; i < lo.length; i++) {
    if (hi[i]! < 0 || lo[i]! - 1 - m < 0 || hi[i]! + 1 + m >= w) continue;
    const row = (r.y0 + i) * w;
    for (let x = lo[i]! - 1; x <= hi[i]! + 1; x++) {
      const c = centre[row + x]! - n.offsetLuma;
      for (let k = 0; k <= 2 * m; k++) {
        const d = c - n.luma[row + x + k - m]!;
        cost[k] = cost[k]! + d * d;
      }
    }
  }
  let best = 1;
  for (let k = 2; k < 2 * m; k++) if (cost[k]! < cost[best]!) best = k;
  if (cost[best]! === 0 || cost[best]! >= cost[best - 1]! || cost[best]! >= cost[best + 1]!) return 'unknown';
  const curve = cost[best - 1]! - 2 * cost[best]! + cost[best + 1]!;
  const shift = best - m + (cost[best - 1]! - cost[best + 1]!) / (2 * curve);
  const tolerance = LINE_SUBPIXEL_SHARE * a;
  if (Math.abs(shift) <= tolerance) return 'frame';
  if (Math.abs(shift - vx) <= tolerance) return 'picture';
  return 'unknown';
}

function keptAlone(r: Region, s: { inner: Int32Array }, contrast: number, prob: Float32Array | null, unit: number): boolean {
  const side = Math.max(8, ALONE_MAX_SIDE * unit);
  return r.pixels.length <= side * side && contrast >= ALONE_CONTRAST && meanProb(prob, s.inner) >= ALONE_PROB;
}

function mean(a: Float32Array, idx: Int32Array): number {
  let s = 0;
  for (const p of idx) s += a[p]!;
  return idx.length ? s / idx.length : 0;
}

function meanProb(prob: Float32Array | null, idx: Int32Array): number {
  return prob ? mean(prob, idx) : 0;
}

/**
 * Whether a line a neighbour holds in place changed there on its own: row by row, the summed difference
 * against the neighbour at the camera's vector over the line and LINE_CHANGE_PAD px either side, and the
 * same over the picture beyond (LINE_CHANGE_SIDE_PX px on each side); the medians over the rows compared
 * (LINE_CHANGE_NOISE, LINE_CHANGE_SIDE). A scratch's density varies from frame to frame and along its
 * length (the film lifting off the guide); a pole or a door frame stays as the picture beside it does.
 * The sum across the line is what a shift of a fraction of a pixel (a weave, a vector rounded) leaves
 * alone, however sharp the line.
 */
function lineChanged(r: Region, centre: Float32Array, n: AlignedNeighbour, w: number, h: number, vx: number, vy: number, unit: number): boolean {
  // Widths in px at 1024 wide, scaled up with the frame (lines and the network's regions widen with it).
  const pad = Math.round(LINE_CHANGE_PAD * Math.max(1, unit));
  const sidePx = Math.round(LINE_CHANGE_SIDE_PX * Math.max(1, unit));
  const dx = Math.round(vx);
  const dy = Math.round(vy);
  const { lo, hi } = rowSpans(r, w, true);
  const outer = pad + sidePx;
  const line: number[] = [];
  const side: number[] = [];
  for (let i = 0; i < lo.length; i++) {
    const y = r.y0 + i;
    const a = lo[i]!;
    const b = hi[i]!;
    if (b < 0 || y + dy < 0 || y + dy >= h || a - outer + Math.min(0, dx) < 0 || b + outer + Math.max(0, dx) >= w) continue;
    const at = y * w;
    const there = (y + dy) * w + dx;
    const diff = (x: number) => centre[at + x]! - n.luma[there + x]! - n.offsetLuma;
    let l = 0;
    for (let x = a - pad; x <= b + pad; x++) l += diff(x);
    let s = 0;
    for (let k = pad + 1; k <= outer; k++) s += diff(a - k) + diff(b + k);
    // Row sums over the square root of the pixels summed: grain alone gives its per-pixel spread either way.
    line.push(Math.abs(l) / Math.sqrt(b - a + 1 + 2 * pad));
    side.push(Math.abs(s) / Math.sqrt(2 * sidePx));
  }
  if (line.length === 0) return false;
  // Medians over the rows: a speck or a snowflake crossing the line changes a few rows, a scratch's
  // density most of them. The median of |N(0, σ)| is 0.674 σ.
  const l = median(Float64Array.from(line)) / 0.674;
  return l >= LINE_CHANGE_NOISE * n.noise && l >= LINE_CHANGE_SIDE * (median(Float64Array.from(side)) / 0.674);
}

/** Per row of a region's pixels: the sum of their x and how many there are. */
function rowsOf(pixels: Int32Array, w: number): Map<number, { sx: number; n: number }> {
  const rows = new Map<number, { sx: number; n: number }>();
  for (const p of pixels) {
    const y = Math.floor(p / w);
    const e = rows.get(y) ?? { sx: 0, n: 0 };
    e.sx += p % w;
    e.n++;
    rows.set(y, e);
  }
  return rows;
}

/** A line's axis: x against y by least squares over its rows' mean x (one row: upright through its mean x). */
function axisOf(rows: Map<number, { sx: number; n: number }>): (y: number) => number {
  const xs = [...rows.values()].map((e) => e.sx / e.n);
  const fit = straightFit([...rows.keys()], xs);
  return fit ? fit.at : () => xs[0]!;
}

/** A line's axis, and which way it stands out from the picture 4 px either side of it (0: neither). */
interface LineAxis {
  at: (y: number) => number;
  sign: number;
}

function lineAxis(pixels: Int32Array, centre: Float32Array, w: number): LineAxis {
  const rows = rowsOf(pixels, w);
  let inside = 0;
  for (const p of pixels) inside += centre[p]!;
  let beside = 0;
  let n = 0;
  for (const [y, e] of rows) {
    const xc = Math.round(e.sx / e.n);
    for (const x of [xc - 4, xc + 4]) {
      if (x < 0 || x >= w) continue;
      beside += centre[y * w + x]!;
      n++;
    }
  }
  return { at: axisOf(rows), sign: n === 0 ? 0 : Math.sign(inside / pixels.length - beside / n) };
}

/** The piece (spanning rows y0..y1) stands out the same way as the line and lies on its axis, within `tolerance` px on average. */
function onAxis(piece: LineAxis, line: LineAxis, y0: number, y1: number, tolerance: number): boolean {
  if (piece.sign === 0 || piece.sign !== line.sign) return false;
  let off = 0;
  for (let y = y0; y <= y1; y++) off += Math.abs(piece.at(y) - line.at(y));
  return off / (y1 - y0 + 1) <= tolerance;
}

/**
 * A scratch's kept pixels, continued up and down beyond the region while each next row holds the line: a
 * pixel within a pixel of its last place, and within LINE_EXTEND_STRAY of the region's own axis (a
 * scratch runs straight along the film; a hanging wire curves away), that stands out from the picture
 * on both sides (3 and 4 px out) the scratch's way by LINE_EXTEND_SIGMAS of the grain and
 * LINE_EXTEND_SHARE of the region's typical row contrast. The network's mask of a long scratch breaks
 * where its density dips; the pieces between are the same scratch.
 */
function alongScratch(kept: Int32Array, centre: Float32Array, w: number, h: number, noise: number): Int32Array {
  if (kept.length === 0) return kept;
  const rows = rowsOf(kept, w);
  // Signed: the smaller of the pixel's departures from the two sides, when both go the same way.
  const standOut = (y: number, x: number) => {
    if (x - 4 < 0 || x + 4 >= w) return 0;
    const c = centre[y * w + x]!;
    const a = c - (centre[y * w + x - 3]! + centre[y * w + x - 4]!) / 2;
    const b = c - (centre[y * w + x + 3]! + centre[y * w + x + 4]!) / 2;
    return Math.sign(a) === Math.sign(b) ? Math.sign(a) * Math.min(Math.abs(a), Math.abs(b)) : 0;
  };
  const strongest = (y: number, xc: number, sign: number) => {
    let best = { x: -1, d: 0 };
    for (let x = xc - 1; x <= xc + 1; x++) {
      const d = sign === 0 ? standOut(y, x) : sign * standOut(y, x);
      if (Math.abs(d) > Math.abs(best.d) && (sign === 0 || d > 0)) best = { x, d };
    }
    return best;
  };
  const contrasts = [...rows].map(([y, e]) => strongest(y, Math.round(e.sx / e.n), 0).d).sort((a, b) => a - b);
  const typical = contrasts[contrasts.length >> 1]!;
  const sign = Math.sign(typical);
  if (sign === 0) return kept;
  const floor = Math.max(LINE_EXTEND_SIGMAS * noise, LINE_EXTEND_SHARE * Math.abs(typical));
  const axis = axisOf(rows);
  const ys = [...rows.keys()];
  const out = [...kept];
  for (const dir of [-1, 1]) {
    let y = dir < 0 ? Math.min(...ys) : Math.max(...ys);
    const end = rows.get(y)!;
    let xc = Math.round(end.sx / end.n);
    for (y += dir; y >= 0 && y < h; y += dir) {
      const { x, d } = strongest(y, xc, sign);
      if (x < 0 || d < floor || Math.abs(x - axis(y)) > LINE_EXTEND_STRAY) break;
      xc = x;
      out.push(y * w + x);
      // The line's other pixels in the row: those that stand out half as much.
      for (const side of [x - 1, x + 1]) if (sign * standOut(y, side) >= Math.max(0.5 * d, floor)) out.push(y * w + side);
    }
  }
  return Int32Array.from(out);
}
