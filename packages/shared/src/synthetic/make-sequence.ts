/**
 * The benchmark's data: film-like clean sequences with synthetic damage of known position and class
 * (the BenchSequence contract in film-sequence.ts), one sequence or a deterministic mixed set.
 *
 * Optional picture content (actors, damage-like detail, gate borders, repeated frames, other grain
 * spectra, fast and rotating camera moves) widens what the clean truth can show; absent, a sequence is
 * byte-identical to what the generator made before they existed, so old data stays reproducible.
 */
import type { FrameLayout, Samples } from '../frames/types.js';
import { countMask } from '../restore/morphology.js';
import { actorBoxes, describeActors, drawActors, planActors } from './actors.js';
import { damageFrame, planDamage, type DamageCounts, type DamageLayer, type DamageOptions, type Polarity, ARTEFACT_CLASSES } from './damage.js';
import { FILM_STOCKS, MOTIONS, planFilmLook, plateMarginFor, renderFilmFrame, type FilmStock, type FrameLayers, type Motion } from './film-look.js';
import { DAMAGE_CLASSES, type BenchSequence, type DamageClass } from './film-sequence.js';
import { describeGateBorder, drawGateBorder, planGateBorder } from './gate-border.js';
import { GRAIN_KINDS, type GrainKind } from './grain-kinds.js';
import { defaultOverlaysDir, loadOverlayBank, overlaysAvailable, type OverlayBank } from './overlays.js';
import { paintPlateDetail } from './picture-detail.js';
import { loadCleanImages, proceduralPlate, readCleanImage, type Plate } from './plates.js';
import { imagesOfSplit, type SourceSplit } from './source-split.js';
import { drawPrecipitation, planPrecipitation } from './precipitation.js';
import { pick, rng, shuffled, subSeed, uniform } from './random.js';
import { planRepeats } from './telecine.js';

export interface FilmSequenceOptions {
  /** File-name safe; default "film-<seed>". */
  name?: string;
  width: number;
  height: number;
  frames: number;
  channels: 1 | 3;
  bits: 8 | 16;
  seed: number;
  /** A decoded plate or an image path; default a procedural plate from the seed. */
  plate?: Plate | string;
  motion?: Motion;
  /** Grain std at mid-tones in [0,1] units (default 0.02; 0 for none). */
  grain?: number;
  /** Frame-to-frame exposure drift (default 0.015). */
  flicker?: number;
  /** A FILM_STOCKS name; default by channels. */
  stock?: string;
  /** false: a clean sequence (for false-positive rates). */
  damage?: (DamageOptions & { polarity?: Polarity }) | false;
  /** The FILM-AA overlay folder; default FILM_AA_OVERLAYS or ../shared/data/film-aa-overlays. */
  overlaysDir?: string;
  /** Overlays decoded per damage class (default 40). */
  overlaysPerClass?: number;
  /** Which overlay files to draw from (source-split.ts); default 'all'. */
  overlaySplit?: SourceSplit;
  /**
   * Also render `BenchSequence.regrained`: the same clean frames with a new grain draw, i.e. a perfect
   * restoration that carries grain of its own. The benchmark uses it to calibrate its scores.
   */
  regrain?: boolean;
  /**
   * Things moving independently of the camera (default 0): by index a walking figure with swinging limbs,
   * a swaying branch or wire, a cut-out of the plate, a blob, then random kinds. Part of the clean truth.
   */
  actors?: number;
  /**
   * Damage-like picture detail painted into the plate, 0..1 (default 0): thin lines, speckled patches,
   * lettering, vertical edges; at 0.5 and above also rain or snow falling through the frame.
   */
  detail?: number;
  /** Gate edges: dark or bright bands at frame edges that weave and flicker (default false). */
  border?: boolean;
  /** Probability per frame that it repeats the previous frame exactly, as telecine does (default 0). */
  repeats?: number;
  /** Grain spectrum (default 'film'). */
  grainKind?: GrainKind;
}

/** Visible difference: more than 1.5 steps of 8-bit, so sub-quantisation edges of a soft artefact do not count. */
export function visibleThreshold(bits: 8 | 16): number {
  return bits === 16 ? 1.5 * 257 : 1.5;
}

export async function makeFilmSequence(opts: FilmSequenceOptions): Promise<BenchSequence> {
  validate(opts);
  const { width: W, height: H, frames: N, channels: C, bits, seed } = opts;
  const layout: FrameLayout = { width: W, height: H, channels: C, bits };
  const rand = rng(seed, 'sequence');
  const motion = opts.motion ?? 'pan';
  const detail = opts.detail ?? 0;
  const painted = detail > 0 ? paintPlateDetail(await resolvePlate(opts, motion), detail, subSeed(seed, 'detail'), { width: W, height: H }) : null;
  const plate = painted ? painted.plate : await resolvePlate(opts, motion);
  const stock = chooseStock(opts, rand);
  const grain = opts.grain ?? 0.02;
  const flicker = opts.flicker ?? 0.015;
  // Everything is planned over film frames; a repeat shows its film frame again, and the film goes on after it.
  const telecine = planRepeats(N, opts.repeats ?? 0, seed);
  const filmFrames = telecine.filmFrames;
  const M = (filmFrames[N - 1] ?? 0) + 1;
  const look = planFilmLook(plate, { width: W, height: H, channels: C, frames: M, seed, motion, grain, flicker, stock, ...(opts.grainKind ? { grainKind: opts.grainKind } : {}) });
  // Only the grain reads look.opts.seed at render time, so this twin differs from the truth in its grain alone.
  const regrainLook = opts.regrain ? { ...look, opts: { ...look.opts, seed: subSeed(seed, 'regrain') } } : null;
  const content = planContent(opts, plate, M, detail);

  const bank = opts.damage === false ? null : await resolveBank(opts);
  const plan = opts.damage === false ? null : planDamage({ width: W, height: H }, M, seed, opts.damage ?? {}, bank);

  const seq: BenchSequence = { name: opts.name ?? `film-${seed}`, layout, clean: [], damaged: [], masks: [], classes: [], meta: {} };
  const counts: DamageCounts[] = [];
  const damagedShare: number[] = [];
  for (let f = 0; f < N; f++) {
    if (f > 0 && filmFrames[f] === filmFrames[f - 1]) {
      // The same film frame scanned again: picture, grain and damage all identical.
      seq.clean.push(seq.clean[f - 1]!.slice());
      seq.damaged.push(seq.damaged[f - 1]!.slice());
      seq.masks.push(seq.masks[f - 1]!.slice());
      seq.classes.push(seq.classes[f - 1]!.slice());
      if (seq.regrained) seq.regrained.push(seq.regrained[f - 1]!.slice());
      if (plan) counts.push({ ...counts[f - 1]! });
      damagedShare.push(damagedShare[f - 1]!);
      continue;
    }
    const film = filmFrames[f]!;
    const pic = renderFilmFrame(plate, look, film, content.layers);
    const clean = quantise(pic, bits);
    const damaged: Samples = clean.slice();
    const mask = new Uint8Array(W * H);
    const classes = new Uint8Array(W * H);
    if (plan) {
      const { layer, counts: c } = damageFrame(plan, film);
      applyVisibleDamage(pic, layer, damaged, mask, classes, C, bits);
      counts.push(c);
    }
    damagedShare.push(share(mask));
    seq.clean.push(clean);
    seq.damaged.push(damaged);
    seq.masks.push(mask);
    seq.classes.push(classes);
    if (regrainLook) (seq.regrained ??= []).push(quantise(renderFilmFrame(plate, regrainLook, film, content.layers), bits));
  }
  // Scratch lifetimes in output frames: the first and last output frame showing their first and last film frame.
  const firstOut = (film: number): number => filmFrames.indexOf(film);
  const lastOut = (film: number): number => filmFrames.lastIndexOf(film);
  seq.meta = {
    generator: 'reelrestore synthetic film v1',
    seed,
    source: plate.source,
    motion,
    grain,
    flicker,
    stock: stock.name,
    poses: filmFrames.map((film) => {
      const p = look.poses[film]!;
      return p.angle === undefined ? { x: round3(p.x), y: round3(p.y), scale: round3(p.scale) } : { x: round3(p.x), y: round3(p.y), scale: round3(p.scale), angle: round3(p.angle) };
    }),
    damage: plan
      ? {
          density: plan.density,
          classes: plan.classes,
          polarity: plan.polarity,
          overlays: bank ? bank.dir : 'none (procedural only)',
          countsPerFrame: counts,
          totals: totals(counts),
          scratches: plan.scratches.map((s) => ({ x: round3(s.x), drift: round3(s.drift), start: firstOut(s.start), end: lastOut(s.end), width: round3(s.width), bright: s.bright })),
        }
      : false,
    damagedShare: damagedShare.map(round3),
    ...content.meta(filmFrames),
  };
  if (telecine.repeats.length > 0 || (opts.repeats ?? 0) > 0) Object.assign(seq.meta, { repeats: telecine.repeats, repeatProbability: opts.repeats, filmFrames });
  if (painted) Object.assign(seq.meta, { detailCounts: painted.counts });
  if (opts.grainKind !== undefined) Object.assign(seq.meta, { grainKind: opts.grainKind, ...(look.grainBlur !== undefined ? { grainBlur: round3(look.grainBlur) } : {}) });
  return seq;
}

/**
 * The sequence's optional picture content: actors and rain in the scene, gate edges on the film. Each
 * has its own seed stream, so turning one on leaves the others (and everything else) as they were.
 */
function planContent(
  opts: FilmSequenceOptions,
  plate: Plate,
  films: number,
  detail: number,
): { layers: FrameLayers | undefined; meta: (filmFrames: number[]) => Record<string, unknown> } {
  const { width: W, height: H, channels: C, seed } = opts;
  const scene: NonNullable<FrameLayers['scene']>[number][] = [];
  const film: NonNullable<FrameLayers['film']>[number][] = [];
  const meta: ((filmFrames: number[]) => Record<string, unknown>)[] = [];
  const actorCount = opts.actors ?? 0;
  if (actorCount > 0) {
    const actors = planActors({ width: W, height: H, frames: films, channels: C, count: actorCount, seed: subSeed(seed, 'actors'), plate });
    scene.push((frame, f, exposure) => drawActors(actors, plate, frame, f, exposure));
    meta.push((filmFrames) => {
      const boxes = filmFrames.map((f) => actorBoxes(actors, plate, f));
      return {
        actors: actorCount,
        actorDetails: describeActors(actors).map((d, i) => ({ ...d, boxes: boxes.map((b) => (b[i] ? [b[i]!.x0, b[i]!.y0, b[i]!.x1, b[i]!.y1] : null)) })),
      };
    });
  }
  if (detail > 0) {
    const rain = planPrecipitation(W, H, detail, subSeed(seed, 'precipitation'));
    if (rain) scene.push((frame, f, exposure) => drawPrecipitation(rain, frame, C, f, exposure));
    meta.push(() => ({ detail, precipitation: rain ? rain.kind : false }));
  }
  if (opts.border) {
    const gate = planGateBorder(W, H, films, subSeed(seed, 'border'));
    film.push((frame, f) => drawGateBorder(gate, frame, C, f));
    meta.push((filmFrames) => {
      const d = describeGateBorder(gate);
      // Per output frame, like the rest of meta.
      return { border: { ...d, tone: filmFrames.map((f) => (d.tone as number[])[f]), shift: filmFrames.map((f) => (d.shift as number[][])[f]) } };
    });
  }
  const layers = scene.length > 0 || film.length > 0 ? { scene, film } : undefined;
  return { layers, meta: (filmFrames) => Object.assign({}, ...meta.map((m) => m(filmFrames))) as Record<string, unknown> };
}

function validate(o: FilmSequenceOptions): void {
  const bad = (msg: string): never => {
    throw new Error(`makeFilmSequence: ${msg}`);
  };
  if (!Number.isInteger(o.width) || o.width < 8 || o.width > 8192) bad(`width ${o.width} must be an integer in 8..8192`);
  if (!Number.isInteger(o.height) || o.height < 8 || o.height > 8192) bad(`height ${o.height} must be an integer in 8..8192`);
  if (!Number.isInteger(o.frames) || o.frames < 1) bad(`frames ${o.frames} must be a positive integer`);
  if (o.channels !== 1 && o.channels !== 3) bad(`channels must be 1 or 3`);
  if (o.bits !== 8 && o.bits !== 16) bad(`bits must be 8 or 16`);
  if (o.name !== undefined && !/^[A-Za-z0-9._-]+$/.test(o.name)) bad(`name "${o.name}" is not file-name safe`);
  if (o.motion !== undefined && !MOTIONS.includes(o.motion)) bad(`motion "${String(o.motion)}" is not one of ${MOTIONS.join(', ')}`);
  if (o.actors !== undefined && (!Number.isInteger(o.actors) || o.actors < 0 || o.actors > 64)) bad(`actors ${o.actors} must be an integer in 0..64`);
  if (o.detail !== undefined && !(o.detail >= 0 && o.detail <= 1)) bad(`detail ${o.detail} must be in 0..1`);
  if (o.repeats !== undefined && !(o.repeats >= 0 && o.repeats < 1)) bad(`repeats ${o.repeats} must be a probability in [0, 1)`);
  if (o.grainKind !== undefined && !GRAIN_KINDS.includes(o.grainKind)) bad(`grainKind "${String(o.grainKind)}" is not one of ${GRAIN_KINDS.join(', ')}`);
}

/**
 * The decoded plate. The original motions use the default margin (so their plates are as they always
 * were); a fast pan or a rotation gets the larger margin it needs. A caller's own Plate is used as given.
 */
async function resolvePlate(opts: FilmSequenceOptions, motion: Motion): Promise<Plate> {
  const { width, height, channels, bits, seed } = opts;
  const margin = motion === 'fast-pan' || motion === 'rotate' ? plateMarginFor(motion, width, height, opts.frames) : undefined;
  const withMargin = margin === undefined ? {} : { margin };
  if (typeof opts.plate === 'string') return readCleanImage(opts.plate, { width, height, channels, bits, ...withMargin });
  if (opts.plate) return matchChannels(opts.plate, channels);
  return proceduralPlate({ width, height, channels, seed, ...withMargin });
}

/** A plate in the sequence's channel count: grey replicated to RGB, or RGB to Rec. 709 luma. */
function matchChannels(plate: Plate, channels: 1 | 3): Plate {
  if (plate.channels === channels) return plate;
  const n = plate.width * plate.height;
  const data = new Float32Array(n * channels);
  for (let p = 0; p < n; p++) {
    if (channels === 3) {
      const v = plate.data[p]!;
      data[p * 3] = v;
      data[p * 3 + 1] = v;
      data[p * 3 + 2] = v;
    } else {
      data[p] = 0.2126 * plate.data[p * 3]! + 0.7152 * plate.data[p * 3 + 1]! + 0.0722 * plate.data[p * 3 + 2]!;
    }
  }
  return { ...plate, channels, data };
}

function chooseStock(opts: FilmSequenceOptions, rand: () => number): FilmStock {
  if (opts.stock) {
    const s = FILM_STOCKS.find((x) => x.name === opts.stock);
    if (!s) throw new Error(`makeFilmSequence: unknown stock "${opts.stock}" (known: ${FILM_STOCKS.map((x) => x.name).join(', ')})`);
    return s;
  }
  if (opts.channels === 1) return FILM_STOCKS[0]!;
  return pick(rand, FILM_STOCKS.slice(1));
}

/**
 * The overlay bank, or null for procedural damage only when the default folder is absent. A folder the
 * caller named must exist: silently falling back would hide a typo behind different data.
 */
async function resolveBank(opts: FilmSequenceOptions): Promise<OverlayBank | null> {
  const dir = opts.overlaysDir ?? defaultOverlaysDir();
  if (!overlaysAvailable(dir)) {
    if (opts.overlaysDir !== undefined) throw new Error(`makeFilmSequence: no film-damage overlays in ${dir}`);
    return null;
  }
  return loadOverlayBank(dir, { perClass: opts.overlaysPerClass ?? 40, split: opts.overlaySplit ?? 'all' });
}

export function quantise(pic: Float32Array, bits: 8 | 16): Samples {
  const maxV = bits === 16 ? 65535 : 255;
  const out = bits === 16 ? new Uint16Array(pic.length) : new Uint8Array(pic.length);
  quantiseInto(pic, out, maxV);
  return out;
}

/** Rounds to the nearest step and clips; the typed-array store truncates the already-offset value. */
function quantiseInto(pic: Float32Array, out: Uint8Array | Uint16Array, maxV: number): void {
  const n = pic.length;
  for (let i = 0; i < n; i++) {
    const v = pic[i]! * maxV + 0.5;
    out[i] = v <= 0 ? 0 : v >= maxV ? maxV : v;
  }
}

/**
 * Composites the damage layer where it has any strength and keeps it only where it is visible: more
 * than 1.5 8-bit steps in some channel. Elsewhere the damaged frame stays bit-identical to the clean one,
 * so mask 0 means exactly "untouched" for the benchmark, and mask and classes agree pixel for pixel.
 */
function applyVisibleDamage(
  pic: Float32Array,
  layer: DamageLayer,
  damaged: Samples,
  mask: Uint8Array,
  classes: Uint8Array,
  C: number,
  bits: 8 | 16,
): void {
  const maxV = bits === 16 ? 65535 : 255;
  const thr = visibleThreshold(bits);
  const n = layer.width * layer.height;
  const q = new Float64Array(C);
  for (let p = 0; p < n; p++) {
    const a = layer.strength[p]!;
    if (a <= 0 || layer.cls[p] === 0) continue;
    const t = layer.target[p]! * a;
    const i = p * C;
    let visible = false;
    for (let c = 0; c < C; c++) {
      const v = (pic[i + c]! * (1 - a) + t) * maxV;
      const r = v <= 0 ? 0 : v >= maxV ? maxV : Math.round(v);
      q[c] = r;
      if (Math.abs(r - damaged[i + c]!) > thr) visible = true;
    }
    if (!visible) continue;
    for (let c = 0; c < C; c++) damaged[i + c] = q[c]!;
    mask[p] = 255;
    classes[p] = layer.cls[p]!;
  }
}

function share(mask: Uint8Array): number {
  return mask.length > 0 ? countMask(mask) / mask.length : 0;
}

function totals(counts: DamageCounts[]): DamageCounts {
  const t: DamageCounts = { dust: 0, dirt: 0, hair: 0, lint: 0, scratch: 0, blotch: 0 };
  for (const c of counts) for (const k of ARTEFACT_CLASSES) t[k] += c[k];
  return t;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export interface BenchmarkSetOptions {
  count: number;
  width: number;
  height: number;
  frames: number;
  seed: number;
  /** Clean photographs (scripts/fetch-clean-images.sh); absent or empty: procedural plates. */
  cleanDir?: string;
  overlaysDir?: string;
  overlaysPerClass?: number;
  /**
   * Which photographs and overlay files the set draws from (source-split.ts). Default 'train': what
   * training may see; the benchmark asks for 'unseen' too, and nothing trains on that by accident.
   */
  split?: SourceSplit;
  /** Render each sequence's `regrained` twin of the truth (see FilmSequenceOptions). */
  regrain?: boolean;
  /** Overrides per sequence, cycled; default a mix of grey/colour, 8/16-bit, motions and one clean sequence. */
  variants?: readonly SequenceVariant[];
}

/** What one sequence of a set may override. */
export type SequenceVariant = Partial<Omit<FilmSequenceOptions, 'width' | 'height' | 'frames'>>;

/** The default mix, cycled: the fourth of every six has no damage (false-positive rate on clean film). */
export const DEFAULT_VARIANTS: readonly SequenceVariant[] = [
  { channels: 1, bits: 8, motion: 'pan' },
  { channels: 3, bits: 16, motion: 'zoom' },
  { channels: 1, bits: 16, motion: 'weave' },
  { channels: 3, bits: 8, motion: 'pan', damage: false },
  { channels: 3, bits: 8, motion: 'static' },
  { channels: 1, bits: 16, motion: 'pan', damage: { density: 2, scratches: 2.5 } },
];

/**
 * A harder mix, cycled like DEFAULT_VARIANTS, with what the default mix cannot show: independent motion
 * (walking figures, swaying lines, drifting objects), damage-like picture detail and rain, gate borders,
 * telecine repeats, clumpy and scanner grain, fast pans and rotation. Three of the eight are clean, with
 * actors, detail and borders: they measure false alarms where the picture itself moves or looks damaged.
 */
export const HARD_VARIANTS: readonly SequenceVariant[] = [
  { channels: 1, bits: 8, motion: 'fast-pan', actors: 3 },
  { channels: 3, bits: 16, motion: 'static', detail: 0.8 },
  { channels: 1, bits: 16, motion: 'weave', border: true, repeats: 0.2, grainKind: 'coarse' },
  { channels: 3, bits: 8, motion: 'rotate', actors: 2, grainKind: 'scanner' },
  { channels: 1, bits: 8, motion: 'pan', actors: 4, detail: 0.6, border: true, damage: false },
  { channels: 1, bits: 16, motion: 'zoom', actors: 2, detail: 0.5, border: true, grainKind: 'scanner', damage: { density: 2, scratches: 2 } },
  { channels: 3, bits: 16, motion: 'fast-pan', actors: 3, detail: 0.9, border: true, repeats: 0.15, grainKind: 'coarse', damage: false },
  { channels: 1, bits: 8, motion: 'static', actors: 2, detail: 0.4, border: true, repeats: 0.2, damage: false },
];

/** Name parts for the optional content a variant turns on (none for the default mix, whose names stay as they were). */
function featureTags(v: SequenceVariant): string {
  const tags: string[] = [];
  if ((v.actors ?? 0) > 0) tags.push('actors');
  if ((v.detail ?? 0) > 0) tags.push('detail');
  if (v.border) tags.push('border');
  if ((v.repeats ?? 0) > 0) tags.push('repeats');
  if (v.grainKind !== undefined && v.grainKind !== 'film') tags.push(v.grainKind);
  return tags.map((t) => `-${t}`).join('');
}

/** A deterministic mixed set of sequences, generated one at a time so memory holds one sequence. */
export async function* makeBenchmarkSet(opts: BenchmarkSetOptions): AsyncGenerator<BenchSequence> {
  const rand = rng(opts.seed, 'benchmark-set');
  const split = opts.split ?? 'train';
  const images = opts.cleanDir ? shuffled(rand, imagesOfSplit(await loadCleanImages(opts.cleanDir, { minSide: Math.min(512, opts.height) }), split)) : [];
  const variants = opts.variants ?? DEFAULT_VARIANTS;
  const hasClean = variants.some((v) => v.damage === false);
  for (let i = 0; i < opts.count; i++) {
    const v = variants[i % variants.length] ?? {};
    // Small sets still get one clean sequence, the last, when the variant list has one.
    const forceClean = hasClean && opts.count >= 2 && opts.count < 4 && i === opts.count - 1;
    const channels = v.channels ?? (rand() < 0.5 ? 1 : 3);
    const bits = v.bits ?? (rand() < 0.5 ? 8 : 16);
    const motion = v.motion ?? 'pan';
    const damage = forceClean ? false : v.damage;
    const seed = subSeed(opts.seed, 'sequence', i);
    const image = images.length > 0 ? images[i % images.length] : undefined;
    const name = `s${String(i + 1).padStart(2, '0')}-${channels === 1 ? 'grey' : 'rgb'}${bits}-${motion}${featureTags(v)}${damage === false ? '-clean' : ''}`;
    yield makeFilmSequence({
      grain: uniform(rand, 0.012, 0.03),
      flicker: uniform(rand, 0.005, 0.03),
      ...v,
      name: v.name ?? name,
      width: opts.width,
      height: opts.height,
      frames: opts.frames,
      channels,
      bits,
      seed: v.seed ?? seed,
      motion,
      damage,
      plate: v.plate ?? image,
      overlaysDir: v.overlaysDir ?? opts.overlaysDir,
      overlaysPerClass: v.overlaysPerClass ?? opts.overlaysPerClass,
      overlaySplit: v.overlaySplit ?? split,
      regrain: v.regrain ?? opts.regrain,
    });
  }
}

/** Per-class share of damaged pixels in one sequence, for summaries. */
export function classShares(seq: BenchSequence): Partial<Record<DamageClass, number>> {
  const hist = new Array<number>(256).fill(0);
  let n = 0;
  for (const c of seq.classes) {
    for (let i = 0; i < c.length; i++) hist[c[i]!]!++;
    n += c.length;
  }
  const out: Partial<Record<DamageClass, number>> = {};
  DAMAGE_CLASSES.forEach((k, i) => {
    if (i > 0) out[k] = n > 0 ? hist[i]! / n : 0;
  });
  return out;
}
