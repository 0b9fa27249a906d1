/**
 * Synthetic film damage of known position and class. Real artefact scans (overlays.ts) are stamped with
 * free rotation and Gamma-distributed scale; procedural specks, blotches and persistent line scratches
 * add variety. Counts per frame are Gamma-distributed, positions cluster on a smooth random density field,
 * opacity is partial and polarity dark (dirt on a print) or bright (dirt on the negative), and overlapping
 * artefacts combine by maximum, as in the FILM-AA work. Everything but line scratches lives on one frame.
 */
import { DAMAGE_CLASSES, type DamageClass } from './film-sequence.js';
import { overlaysForClass, type Overlay, type OverlayBank } from './overlays.js';
import { gammaCount, gammaSample, pick, rng, subSeed, uniform, type Rand } from './random.js';
import { fractalNoise, valueNoise } from './value-noise.js';

export type ArtefactClass = Exclude<DamageClass, 'none'>;
export const ARTEFACT_CLASSES: readonly ArtefactClass[] = ['dust', 'dirt', 'hair', 'lint', 'scratch', 'blotch'];

/** Which way damage shows: dark on a print, bright when the dirt was on the negative. */
export type Polarity = 'print' | 'negative' | 'mixed';

export interface DamageOptions {
  /** Multiplies every per-frame count (1 = moderately damaged archive film). */
  density?: number;
  /** Expected number of persistent line scratches in the sequence. */
  scratches?: number;
  /** Only these classes (default all). */
  classes?: DamageClass[];
  polarity?: Polarity;
}

/** Mean artefacts per frame at density 1, per film frame (not per pixel: a 4K scan has the same dust as a 2K one). */
const MEAN_PER_FRAME: Record<ArtefactClass, number> = {
  dust: 9,
  dirt: 2.5,
  hair: 0.35,
  lint: 0.25,
  scratch: 0.12,
  blotch: 0.3,
};

/** Share of each class drawn procedurally rather than from an overlay scan. */
const PROCEDURAL_SHARE: Record<ArtefactClass, number> = {
  dust: 0.45,
  dirt: 0.3,
  hair: 0,
  lint: 0,
  scratch: 0,
  blotch: 0.5,
};

/**
 * One frame's damage before compositing: per pixel the strongest artefact's strength (0..1), the value it
 * pulls the picture towards, and its class id.
 */
export interface DamageLayer {
  width: number;
  height: number;
  strength: Float32Array;
  target: Float32Array;
  cls: Uint8Array;
}

export function newDamageLayer(width: number, height: number): DamageLayer {
  return { width, height, strength: new Float32Array(width * height), target: new Float32Array(width * height), cls: new Uint8Array(width * height) };
}

/** Maximum combination: a pixel keeps the artefact that covers it most. */
function put(layer: DamageLayer, p: number, a: number, target: number, cls: number): void {
  if (a > layer.strength[p]!) {
    layer.strength[p] = a;
    layer.target[p] = target;
    layer.cls[p] = cls;
  }
}

/** A vertical line scratch that stays for several frames (in gate coordinates, so it ignores camera motion). */
export interface LineScratch {
  x: number;
  /** Pixels per frame. */
  drift: number;
  start: number;
  end: number;
  width: number;
  opacity: number;
  bright: boolean;
  wanderAmp: number;
  wanderPeriod: number;
  phase: number;
  /** Rows covered (a scratch may begin or end inside the frame). */
  y0: number;
  y1: number;
  seed: number;
}

export interface DamagePlan {
  width: number;
  height: number;
  frames: number;
  seed: number;
  density: number;
  classes: ArtefactClass[];
  /** Probability that a one-frame artefact is bright. */
  brightShare: number;
  polarity: Polarity;
  scratches: LineScratch[];
  bank: OverlayBank | null;
}

/** Decides what lasts the whole sequence (line scratches, polarity); one-frame damage is drawn per frame. */
export function planDamage(
  layout: { width: number; height: number },
  frames: number,
  seed: number,
  opts: DamageOptions,
  bank: OverlayBank | null,
): DamagePlan {
  const rand = rng(seed, 'damage-plan');
  const allowed = opts.classes ?? [...ARTEFACT_CLASSES];
  const classes = ARTEFACT_CLASSES.filter((c) => allowed.includes(c));
  const polarity = opts.polarity ?? pick<Polarity>(rand, ['print', 'negative', 'mixed']);
  const brightShare = polarity === 'print' ? 0.15 : polarity === 'negative' ? 0.85 : 0.5;
  const scratches: LineScratch[] = [];
  if (classes.includes('scratch')) {
    const expected = opts.scratches ?? 1.2;
    const n = Math.floor(expected) + (rand() < expected - Math.floor(expected) ? 1 : 0);
    for (let i = 0; i < n; i++) scratches.push(planScratch(layout, frames, subSeed(seed, 'scratch', i), rand));
  }
  return { width: layout.width, height: layout.height, frames, seed, density: opts.density ?? 1, classes, brightShare, polarity, scratches, bank };
}

function planScratch(layout: { width: number; height: number }, frames: number, seed: number, rand: Rand): LineScratch {
  const { width: W, height: H } = layout;
  const unit = W / 640;
  // Most scratches run through the whole shot; some start or stop, but always last at least 3 frames.
  const minLen = Math.min(3, frames);
  const whole = rand() < 0.6;
  const len = whole ? frames : minLen + Math.floor(rand() * (frames - minLen + 1));
  const start = Math.floor(rand() * (frames - len + 1));
  const partial = rand() < 0.25;
  const y0 = partial ? Math.floor(rand() * H * 0.5) : 0;
  const y1 = partial ? Math.floor(H * (0.5 + 0.5 * rand())) : H - 1;
  return {
    x: uniform(rand, 0.05, 0.95) * W,
    drift: uniform(rand, -0.25, 0.25) * Math.sqrt(unit),
    start,
    end: start + len - 1,
    width: uniform(rand, 1, 3) * Math.max(1, Math.sqrt(unit)),
    opacity: uniform(rand, 0.25, 0.8),
    bright: rand() < 0.65,
    wanderAmp: uniform(rand, 0, 1.2) * Math.sqrt(unit),
    wanderPeriod: uniform(rand, 0.7, 3) * H,
    phase: rand() * 2 * Math.PI,
    y0,
    y1,
    seed,
  };
}

export type DamageCounts = Record<ArtefactClass, number>;

/** Draws frame f's damage: the persistent scratches alive on it, and fresh one-frame artefacts. */
export function damageFrame(plan: DamagePlan, f: number): { layer: DamageLayer; counts: DamageCounts } {
  const { width: W, height: H } = plan;
  const layer = newDamageLayer(W, H);
  const counts: DamageCounts = { dust: 0, dirt: 0, hair: 0, lint: 0, scratch: 0, blotch: 0 };
  const rand = rng(plan.seed, 'damage', f);
  const where = densitySampler(W, H, subSeed(plan.seed, 'density', f), rand);
  for (const cls of plan.classes) {
    const n = gammaCount(rand, MEAN_PER_FRAME[cls] * plan.density, 1.5);
    const overlays = plan.bank ? overlaysForClass(plan.bank, cls) : [];
    for (let i = 0; i < n; i++) {
      const [x, y] = where();
      const bright = rand() < plan.brightShare;
      const useOverlay = overlays.length > 0 && rand() >= PROCEDURAL_SHARE[cls];
      if (useOverlay) stampOverlay(layer, pick(rand, overlays), x, y, overlayScale(W, plan.bank!, cls, rand), rand, bright, cls);
      else drawProcedural(layer, cls, x, y, rand, bright);
      counts[cls]++;
    }
  }
  for (const s of plan.scratches) {
    if (f < s.start || f > s.end) continue;
    drawLineScratch(layer, s, f);
    counts.scratch++;
  }
  return { layer, counts };
}

/**
 * Clustered positions: rejection sampling against exp(k * smooth noise), so damage gathers in patches
 * (where the film was handled or stored badly) instead of spreading evenly.
 */
function densitySampler(W: number, H: number, seed: number, rand: Rand): () => [number, number] {
  const noise = fractalNoise(seed, Math.max(W, H) / 2.5, 3);
  const k = 3.5;
  const maxD = Math.exp(k * 0.5);
  return () => {
    for (let tries = 0; tries < 64; tries++) {
      const x = rand() * W;
      const y = rand() * H;
      if (rand() * maxD < Math.exp(k * noise(x, y))) return [x, y];
    }
    return [rand() * W, rand() * H];
  };
}

/** Scale of an overlay stamp: frame width over the scans' width, times a Gamma-distributed size. */
function overlayScale(W: number, bank: OverlayBank, cls: ArtefactClass, rand: Rand): number {
  const size = Math.min(3, Math.max(0.25, gammaSample(rand, cls === 'blotch' ? 2.5 : 3, cls === 'blotch' ? 0.4 : 1 / 3)));
  return (W / bank.nativeWidth) * size;
}

/** The value a dark or bright artefact pulls pixels towards: near black or near white, never exactly. */
function targetValue(rand: Rand, bright: boolean): number {
  return bright ? uniform(rand, 0.9, 1.0) : uniform(rand, 0.0, 0.1);
}

/**
 * Stamps a real artefact scan at (cx, cy), rotated freely and scaled, with partial opacity. The mip level
 * is picked so the remaining scale is in (0.5, 1], and bilinear sampling of that level then averages
 * enough source pixels to keep thin hairs continuous.
 */
export function stampOverlay(
  layer: DamageLayer,
  ov: Overlay,
  cx: number,
  cy: number,
  scale: number,
  rand: Rand,
  bright: boolean,
  cls: ArtefactClass,
): void {
  const level = Math.max(0, Math.min(ov.levels.length - 1, Math.floor(Math.log2(1 / scale))));
  const lv = ov.levels[level]!;
  const s = scale * Math.pow(2, level);
  const angle = rand() * 2 * Math.PI;
  const flip = rand() < 0.5 ? -1 : 1;
  const opacity = cls === 'blotch' ? uniform(rand, 0.2, 0.6) : uniform(rand, 0.6, 1);
  const target = targetValue(rand, bright);
  const id = DAMAGE_CLASSES.indexOf(cls);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const halfW = (lv.width * s) / 2;
  const halfH = (lv.height * s) / 2;
  const reach = Math.sqrt(halfW * halfW + halfH * halfH) + 1;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(layer.width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(layer.height - 1, Math.ceil(cy + reach));
  const inv = 1 / s;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      // Inverse rotation and scale into the level's pixel grid (centred), with an optional mirror.
      const u = (flip * (dx * ca + dy * sa)) * inv + lv.width / 2 - 0.5;
      const v = (-dx * sa + dy * ca) * inv + lv.height / 2 - 0.5;
      const a = bilinear(lv.cover, lv.width, lv.height, u, v);
      if (a <= 0.004) continue;
      put(layer, y * layer.width + x, Math.min(1, a * opacity), target, id);
    }
  }
}

function bilinear(img: Float32Array, w: number, h: number, u: number, v: number): number {
  if (u <= -1 || v <= -1 || u >= w || v >= h) return 0;
  const iu = Math.floor(u);
  const iv = Math.floor(v);
  const fu = u - iu;
  const fv = v - iv;
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : img[y * w + x]!);
  const top = at(iu, iv) * (1 - fu) + at(iu + 1, iv) * fu;
  const bottom = at(iu, iv + 1) * (1 - fu) + at(iu + 1, iv + 1) * fu;
  return top * (1 - fv) + bottom * fv;
}

function drawProcedural(layer: DamageLayer, cls: ArtefactClass, x: number, y: number, rand: Rand, bright: boolean): void {
  const unit = layer.width / 640;
  const id = DAMAGE_CLASSES.indexOf(cls);
  if (cls === 'blotch') {
    const r = Math.max(4, unit * gammaSample(rand, 2, 9));
    drawBlotch(layer, x, y, r, uniform(rand, 0.12, 0.45), targetValue(rand, bright), rand, id);
    return;
  }
  // Dust is a small hard speck; dirt is bigger, ragged and uneven inside.
  const r = cls === 'dirt' ? Math.max(1.2, unit * gammaSample(rand, 2, 1.6)) : Math.max(0.6, unit * gammaSample(rand, 2, 0.7));
  drawSpeck(layer, x, y, r, uniform(rand, 0.55, 1), targetValue(rand, bright), rand, id, cls === 'dirt' ? 0.5 : 0.3);
}

/**
 * An irregular speck: an ellipse whose radius varies with angle (value noise around the rim), a soft
 * sub-pixel edge, and uneven density inside.
 */
function drawSpeck(layer: DamageLayer, cx: number, cy: number, r: number, opacity: number, target: number, rand: Rand, id: number, ragged: number): void {
  const rim = valueNoise(Math.floor(rand() * 2 ** 31));
  const inside = valueNoise(Math.floor(rand() * 2 ** 31));
  const aspect = uniform(rand, 0.5, 1);
  const angle = rand() * Math.PI;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const reach = r * (1 + ragged) + 1.5;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(layer.width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(layer.height - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const a1 = dx * ca + dy * sa;
      const a2 = (-dx * sa + dy * ca) / aspect;
      const d = Math.sqrt(a1 * a1 + a2 * a2);
      const theta = Math.atan2(a2, a1);
      const edge = r * (1 + ragged * (rim(3 * Math.cos(theta) + 5, 3 * Math.sin(theta) + 5) - 0.5) * 2);
      const cover = smoothEdge(edge - d, 0.6);
      if (cover <= 0) continue;
      const density = 0.75 + 0.25 * inside((dx / Math.max(1, r)) * 2 + 9, (dy / Math.max(1, r)) * 2 + 9);
      put(layer, y * layer.width + x, cover * opacity * density, target, id);
    }
  }
}

/** A soft, irregular, low-contrast patch (a water stain or emulsion blotch) with a wide fading edge. */
function drawBlotch(layer: DamageLayer, cx: number, cy: number, r: number, opacity: number, target: number, rand: Rand, id: number): void {
  const shape = fractalNoise(Math.floor(rand() * 2 ** 31), r * 0.8, 3);
  const reach = r * 1.6 + 2;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(layer.width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(layer.height - 1, Math.ceil(cy + reach));
  const feather = Math.max(1.5, r * 0.25);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const d = Math.sqrt(dx * dx + dy * dy);
      const edge = r * (1 + 1.2 * shape(x, y));
      const cover = smoothEdge(edge - d, feather);
      if (cover <= 0) continue;
      put(layer, y * layer.width + x, cover * opacity, target, id);
    }
  }
}

/**
 * A line scratch on frame f: a thin vertical line with a soft profile, drifting slightly from frame to
 * frame and wandering along its length, its strength varying along y and between frames (sometimes
 * fading out for a stretch, as a scratch does where the film lifted off the guide).
 */
export function drawLineScratch(layer: DamageLayer, s: LineScratch, f: number): void {
  const id = DAMAGE_CLASSES.indexOf('scratch');
  const frameRand = rng(s.seed, 'frame', f);
  const jitter = uniform(frameRand, -0.15, 0.15);
  const frameGain = uniform(frameRand, 0.7, 1);
  const along = valueNoise(subSeed(s.seed, 'along'));
  const target = s.bright ? uniform(frameRand, 0.88, 0.98) : uniform(frameRand, 0.02, 0.12);
  const half = s.width / 2;
  const xBase = s.x + s.drift * (f - s.start) + jitter;
  for (let y = s.y0; y <= s.y1; y++) {
    const xc = xBase + s.wanderAmp * Math.sin((2 * Math.PI * y) / s.wanderPeriod + s.phase);
    // Strength along the line: mostly steady, with slow swells and an occasional gap.
    const n = along(y / 40, f * 0.35);
    const gain = s.opacity * frameGain * Math.min(1, Math.max(0, 2.2 * n - 0.15));
    if (gain <= 0.01) continue;
    const xa = Math.max(0, Math.floor(xc - half - 1));
    const xb = Math.min(layer.width - 1, Math.ceil(xc + half + 1));
    for (let x = xa; x <= xb; x++) {
      const cover = smoothEdge(half - Math.abs(x + 0.5 - xc), 0.5);
      if (cover <= 0) continue;
      put(layer, y * layer.width + x, cover * gain, target, id);
    }
  }
}

/** 0..1 coverage from a signed distance (positive inside) with an edge `soft` pixels wide on each side. */
function smoothEdge(d: number, soft: number): number {
  const t = (d + soft) / (2 * soft);
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

/** Composites a damage layer onto a float frame in place: each pixel moves towards its artefact's value. */
export function compositeDamage(frame: Float32Array, channels: number, layer: DamageLayer): void {
  const n = layer.width * layer.height;
  for (let p = 0; p < n; p++) {
    const a = layer.strength[p]!;
    if (a <= 0) continue;
    const t = layer.target[p]! * a;
    const k = 1 - a;
    const i = p * channels;
    for (let c = 0; c < channels; c++) frame[i + c] = frame[i + c]! * k + t;
  }
}
