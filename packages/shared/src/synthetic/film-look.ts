/**
 * Film-like clean frames from a still plate: camera motion (pan, slow zoom) at sub-pixel positions, gate
 * weave, flicker, a mild vignette, and film grain that is new on every frame, strongest in the mid-tones
 * (per film stock), slightly spatially correlated and, in colour, partly shared by the three dye layers.
 * All of it is part of the truth: a restorer must keep grain and flicker, and only repaint damage.
 */
import { addScannerNoise, COARSE_GRAIN_SIGMA, gaussianBlurUnitNoise, type GrainKind } from './grain-kinds.js';
import { DEFAULT_PLATE_MARGIN, type Plate } from './plates.js';
import { fillNormal, gaussian, rng, subSeed, uniform, type Rand } from './random.js';
import { sampleRotatedPlate } from './sample-rotated.js';

/**
 * 'fast-pan': 4-8 px/frame at 1K width, mostly horizontal (whip pans and tracking shots, where block
 * matching runs out of range); 'rotate': a slow turn (up to about 0.5 degree per frame) about a point off
 * the centre, with a slight zoom in.
 */
export type Motion = 'static' | 'pan' | 'zoom' | 'weave' | 'fast-pan' | 'rotate';
export const MOTIONS: readonly Motion[] = ['static', 'pan', 'zoom', 'weave', 'fast-pan', 'rotate'];

/** Fast-pan speed range in px/frame at 1024 px frame width (scaled by width / 1024). */
export const FAST_PAN_SPEED: readonly [number, number] = [4, 8];
/** Largest tilt of a fast pan off the horizontal, in radians. */
const FAST_PAN_TILT = 0.35;
/** Rotation rate range of 'rotate' in degrees per frame, and the largest excursion from level either way. */
const ROTATE_RATE_DEG: readonly [number, number] = [0.15, 0.5];
const ROTATE_MAX_DEG = 4;
/** The pivot of a rotation is at most this share of the frame size from its centre. */
const ROTATE_PIVOT = 0.35;
/** Plates are never made more than this many times the frame size for a long fast pan: speed is capped instead. */
const MAX_PLATE_MARGIN = 3;

/** How grain depends on the picture for one kind of film. */
export interface FilmStock {
  name: string;
  /** Grain std relative to its peak, at black and white. */
  floor: number;
  /** Value (0..1) where grain is strongest. */
  peak: number;
  /** Spatial correlation: sigma in pixels of the blur applied to white noise (the stocks: at most 0.8; coarse grain: more). */
  blur: number;
  /** Correlation of grain between colour channels. */
  chroma: number;
}

export const FILM_STOCKS: readonly FilmStock[] = [
  { name: 'bw-print', floor: 0.3, peak: 0.45, blur: 0.75, chroma: 1 },
  { name: 'colour-neg-fine', floor: 0.35, peak: 0.5, blur: 0.6, chroma: 0.7 },
  { name: 'colour-neg-coarse', floor: 0.25, peak: 0.4, blur: 0.8, chroma: 0.55 },
];

/**
 * Where the camera looks: plate coordinates of the frame centre, plate pixels per frame pixel, and (only
 * for 'rotate') the frame's rotation on the plate in radians; absent means 0.
 */
export interface CameraPose {
  x: number;
  y: number;
  scale: number;
  angle?: number;
}

export interface FilmLookOptions {
  width: number;
  height: number;
  channels: 1 | 3;
  frames: number;
  seed: number;
  motion: Motion;
  /** Grain std at the stock's peak, in [0,1] units (a 2K scan of 35 mm: about 0.015 to 0.03). */
  grain: number;
  /** Std of the frame-to-frame gain drift (offset drifts by half as much). */
  flicker: number;
  stock: FilmStock;
  /** Grain spectrum (default 'film': the stock's own fine grain). */
  grainKind?: GrainKind;
}

export interface FilmLook {
  opts: FilmLookOptions;
  /** Blur sigma of the grain when grainKind is 'coarse' (drawn per sequence). */
  grainBlur?: number;
  poses: CameraPose[];
  gains: number[];
  offsets: number[];
  vignetteX: Float32Array;
  vignetteY: Float32Array;
}

/** Plans the whole sequence's camera, weave and flicker up front, so any frame renders on its own. */
export function planFilmLook(plate: Plate, opts: FilmLookOptions): FilmLook {
  const rand = rng(opts.seed, 'look');
  const poses = cameraPath(plate, opts, rand);
  const { gains, offsets } = flickerCurve(opts, rand);
  const vig = uniform(rand, 0.02, 0.08);
  const vignetteX = new Float32Array(opts.width);
  const vignetteY = new Float32Array(opts.height);
  for (let x = 0; x < opts.width; x++) vignetteX[x] = 1 - vig * ((2 * x) / opts.width - 1) ** 2;
  for (let y = 0; y < opts.height; y++) vignetteY[y] = 1 - vig * ((2 * y) / opts.height - 1) ** 2;
  const look: FilmLook = { opts, poses, gains, offsets, vignetteX, vignetteY };
  // Its own stream, so a film-grain sequence draws exactly what it always drew.
  if (opts.grainKind === 'coarse') look.grainBlur = uniform(rng(opts.seed, 'grain-kind'), COARSE_GRAIN_SIGMA[0], COARSE_GRAIN_SIGMA[1]);
  return look;
}

/**
 * The plate margin (plate size over frame size) a motion needs over `frames` frames: the default for the
 * original motions (so their plates, and output, stay as they were), more for a long fast pan, and enough
 * for a rotated frame's corners. Capped at MAX_PLATE_MARGIN; cameraPath slows the move to fit.
 */
export function plateMarginFor(motion: Motion, width: number, height: number, frames: number): number {
  const steps = Math.max(1, frames - 1);
  const weave = 0.2 * (width / 640);
  // cameraPath keeps 4 weave sigmas and 3 px from the plate edge; 2 px more for the interpolation taps.
  const pad = 2 * (4 * weave + 5);
  let need = DEFAULT_PLATE_MARGIN;
  if (motion === 'fast-pan') {
    const travel = (FAST_PAN_SPEED[1] * (width / 1024) * steps) / 0.98;
    need = Math.max(need, 1 + (travel + pad) / width, 1 + (travel * Math.sin(FAST_PAN_TILT) + pad) / height);
  } else if (motion === 'rotate') {
    const a = (ROTATE_MAX_DEG * Math.PI) / 180;
    const pivotShift = ROTATE_PIVOT * Math.hypot(width, height) * a;
    const halfW = (width / 2) * Math.cos(a) + (height / 2) * Math.sin(a) + pivotShift;
    const halfH = (width / 2) * Math.sin(a) + (height / 2) * Math.cos(a) + pivotShift;
    need = Math.max(need, (2 * halfW + pad) / width, (2 * halfH + pad) / height);
  }
  return Math.min(MAX_PLATE_MARGIN, Math.ceil(need * 100) / 100);
}

/**
 * Camera poses per frame. The planned move stays inside the plate's margin; weave (a low-passed jitter,
 * as a film's transport gives) is added on top, small unless the motion is 'weave'.
 */
export function cameraPath(plate: Plate, opts: FilmLookOptions, rand: Rand): CameraPose[] {
  const { width: W, height: H, frames: N } = opts;
  const unit = W / 640;
  const normal = gaussian(rand);
  const cx = plate.width / 2;
  const cy = plate.height / 2;
  const weaveSigma = opts.motion === 'weave' ? 0.9 * unit : opts.motion === 'static' ? 0 : 0.2 * unit;
  // Room left after the largest weave excursion.
  const roomX = Math.max(0, (plate.width - W) / 2 - 4 * weaveSigma - 3);
  const roomY = Math.max(0, (plate.height - H) / 2 - 4 * weaveSigma - 3);
  const steps = Math.max(1, N - 1);

  let vx = 0;
  let vy = 0;
  let x0 = cx;
  let y0 = cy;
  let s0 = 1;
  let s1 = 1;
  if (opts.motion === 'pan') {
    const angle = rand() * 2 * Math.PI;
    const speed = Math.min(uniform(rand, 0.4, 2.5) * unit, (1.6 * Math.min(roomX, roomY)) / steps);
    vx = speed * Math.cos(angle);
    vy = speed * Math.sin(angle);
    x0 = cx - (vx * steps) / 2;
    y0 = cy - (vy * steps) / 2;
  } else if (opts.motion === 'zoom') {
    // Zooming in shows less of the plate: scale goes below 1, never above, so the frame stays inside.
    const amount = uniform(rand, 0.04, 0.12);
    const zoomIn = rand() < 0.5;
    s0 = zoomIn ? 1 : 1 - amount;
    s1 = zoomIn ? 1 - amount : 1;
    // A slight drift of the zoom's centre, as a hand-cranked or tracking camera gives.
    vx = clamp(uniform(rand, -0.3, 0.3) * unit, -roomX / steps, roomX / steps);
    vy = clamp(uniform(rand, -0.3, 0.3) * unit, -roomY / steps, roomY / steps);
    x0 = cx - (vx * steps) / 2;
    y0 = cy - (vy * steps) / 2;
  } else if (opts.motion === 'fast-pan') {
    // Mostly horizontal, as real pans are; the speed is capped where a given plate is too small for it.
    const angle = (rand() < 0.5 ? 0 : Math.PI) + uniform(rand, -FAST_PAN_TILT, FAST_PAN_TILT);
    const wanted = uniform(rand, FAST_PAN_SPEED[0], FAST_PAN_SPEED[1]) * (W / 1024);
    const fitX = (0.98 * 2 * roomX) / Math.max(1e-9, Math.abs(Math.cos(angle)) * steps);
    const fitY = (0.98 * 2 * roomY) / Math.max(1e-9, Math.abs(Math.sin(angle)) * steps);
    const speed = Math.min(wanted, fitX, fitY);
    vx = speed * Math.cos(angle);
    vy = speed * Math.sin(angle);
    x0 = cx - (vx * steps) / 2;
    y0 = cy - (vy * steps) / 2;
  } else if (opts.motion === 'rotate') {
    return rotatingPath(plate, opts, rand, weaveSigma, normal);
  }

  const poses: CameraPose[] = [];
  let wx = 0;
  let wy = 0;
  for (let f = 0; f < N; f++) {
    // AR(1) jitter: neighbouring frames weave together, as the claw and sprockets give.
    wx = 0.5 * wx + 0.87 * weaveSigma * normal();
    wy = 0.5 * wy + 0.87 * weaveSigma * 0.6 * normal();
    const t = N > 1 ? f / (N - 1) : 0;
    poses.push({
      x: clamp(x0 + vx * f + wx, cx - roomX, cx + roomX),
      y: clamp(y0 + vy * f + wy, cy - roomY, cy + roomY),
      scale: s0 + (s1 - s0) * t,
    });
  }
  return poses;
}

/**
 * A slow rotation about a pivot off the frame centre with a slight zoom in. The pivot's plate point stays
 * put (plus weave), so the frame centre swings round it. If the plate is too small for the planned turn
 * (a caller's own plate), the turn and the pivot's distance are halved until every corner stays inside.
 */
function rotatingPath(plate: Plate, opts: FilmLookOptions, rand: Rand, weaveSigma: number, normal: () => number): CameraPose[] {
  const { width: W, height: H, frames: N } = opts;
  const steps = Math.max(1, N - 1);
  const maxA = (ROTATE_MAX_DEG * Math.PI) / 180;
  const sign = rand() < 0.5 ? -1 : 1;
  let rate = sign * Math.min((uniform(rand, ROTATE_RATE_DEG[0], ROTATE_RATE_DEG[1]) * Math.PI) / 180, (2 * maxA) / steps);
  const zoom = uniform(rand, 0.01, 0.05);
  let kx = uniform(rand, -ROTATE_PIVOT, ROTATE_PIVOT) * W;
  let ky = uniform(rand, -ROTATE_PIVOT, ROTATE_PIVOT) * H;
  const weave: [number, number][] = [];
  let wx = 0;
  let wy = 0;
  for (let f = 0; f < N; f++) {
    wx = 0.5 * wx + 0.87 * weaveSigma * normal();
    wy = 0.5 * wy + 0.87 * weaveSigma * 0.6 * normal();
    weave.push([wx, wy]);
  }
  const cx = plate.width / 2;
  const cy = plate.height / 2;
  const make = (): CameraPose[] =>
    weave.map(([ox, oy], f) => {
      const t = N > 1 ? f / (N - 1) : 0;
      const angle = rate * (f - steps / 2);
      const s = 1 - zoom * t;
      const ca = Math.cos(angle) * s;
      const sa = Math.sin(angle) * s;
      // The pivot's plate point (cx + kx, cy + ky) stays fixed: centre = pivot - s R(angle) k.
      return { x: cx + kx - (ca * kx - sa * ky) + ox, y: cy + ky - (sa * kx + ca * ky) + oy, scale: s, angle };
    });
  let poses = make();
  for (let tries = 0; tries < 8 && !poses.every((p) => poseFits(p, W, H, plate)); tries++) {
    rate /= 2;
    kx /= 2;
    ky /= 2;
    poses = make();
  }
  return poses;
}

/** Whether every frame corner of a pose lands at least 2 px inside the plate (the bicubic taps' reach). */
function poseFits(p: CameraPose, W: number, H: number, plate: Plate): boolean {
  const a = p.angle ?? 0;
  const ca = Math.cos(a) * p.scale;
  const sa = Math.sin(a) * p.scale;
  for (const [dx, dy] of [[-W / 2, -H / 2], [W / 2, -H / 2], [-W / 2, H / 2], [W / 2, H / 2]] as const) {
    const x = p.x + ca * dx - sa * dy;
    const y = p.y + sa * dx + ca * dy;
    if (x < 2 || y < 2 || x > plate.width - 2 || y > plate.height - 2) return false;
  }
  return true;
}

/** Per-frame gain and offset: a slow random drift plus frame-to-frame jumps, as uneven exposure gives. */
function flickerCurve(opts: FilmLookOptions, rand: Rand): { gains: number[]; offsets: number[] } {
  const normal = gaussian(rand);
  const gains: number[] = [];
  const offsets: number[] = [];
  let g = 0;
  let o = 0;
  for (let f = 0; f < opts.frames; f++) {
    g = 0.6 * g + 0.8 * opts.flicker * normal();
    o = 0.6 * o + 0.4 * opts.flicker * normal();
    gains.push(1 + g);
    offsets.push(o);
  }
  return { gains, offsets };
}

/**
 * What is drawn between the camera and the grain: it is on the film, so the grain covers it too.
 * `scene` layers are part of the filmed scene (moving actors, rain) and take the frame's exposure
 * (flicker and vignette) like the plate; `film` layers are on the film outside the picture (gate edges)
 * and bring their own light.
 */
export interface FrameLayers {
  scene?: readonly ((frame: Float32Array, f: number, exposure: Exposure) => void)[];
  film?: readonly ((frame: Float32Array, f: number) => void)[];
}

/** Renders frame f (float, [0,1] nominal, not clipped): camera, flicker, vignette, layers, grain. */
export function renderFilmFrame(plate: Plate, look: FilmLook, f: number, layers?: FrameLayers): Float32Array {
  const { width: W, height: H, channels: C } = look.opts;
  const pose = look.poses[f] ?? look.poses[look.poses.length - 1] ?? { x: plate.width / 2, y: plate.height / 2, scale: 1 };
  const gain = look.gains[f] ?? 1;
  const rowGain = new Float32Array(H);
  for (let y = 0; y < H; y++) rowGain[y] = look.vignetteY[y]! * gain;
  const exposure: Exposure = { colGain: look.vignetteX, rowGain, offset: look.offsets[f] ?? 0 };
  const out = pose.angle ? sampleRotatedPlate(plate, pose, W, H, C, exposure) : samplePlate(plate, pose, W, H, C, exposure);
  for (const layer of layers?.scene ?? []) layer(out, f, exposure);
  for (const layer of layers?.film ?? []) layer(out, f);
  const grainSeed = subSeed(look.opts.seed, 'grain', f);
  const stock = look.grainBlur !== undefined ? { ...look.opts.stock, blur: look.grainBlur } : look.opts.stock;
  addGrain(out, W, H, C, look.opts.grain, stock, grainSeed);
  if (look.opts.grainKind === 'scanner') addScannerNoise(out, W, H, C, look.opts.grain, grainSeed);
  return out;
}

/** Exposure applied while sampling: out = sample * colGain[x] * rowGain[y] + offset. */
export interface Exposure {
  colGain: Float32Array;
  rowGain: Float32Array;
  offset: number;
}

/**
 * Samples the plate at a pose with separable Catmull-Rom interpolation (sharper than bilinear, so
 * sub-pixel motion does not blur alternate frames). Frame x maps to plate x independently of y, so a
 * horizontal pass over the needed plate rows and a vertical pass give the result with 8 taps per sample.
 */
export function samplePlate(plate: Plate, pose: CameraPose, W: number, H: number, C: number, exposure?: Exposure): Float32Array {
  if (plate.channels !== C) throw new Error(`samplePlate: plate has ${plate.channels} channels, frame ${C}`);
  const PW = plate.width;
  const PH = plate.height;
  const xTaps = taps(W, pose.x, pose.scale, PW);
  const yTaps = taps(H, pose.y, pose.scale, PH);
  const rowMin = yTaps.index[0]!;
  const rowMax = yTaps.index[(H - 1) * 4 + 3]!;
  const rows = rowMax - rowMin + 1;
  const tmp = new Float32Array(rows * W * C);
  const src = plate.data;
  const xi = xTaps.index;
  const xw = xTaps.weights;
  for (let r = 0; r < rows; r++) {
    const py = (rowMin + r) * PW;
    const base = r * W * C;
    if (C === 1) {
      for (let x = 0, k = 0; x < W; x++, k += 4) {
        tmp[base + x] = xw[k]! * src[py + xi[k]!]! + xw[k + 1]! * src[py + xi[k + 1]!]! + xw[k + 2]! * src[py + xi[k + 2]!]! + xw[k + 3]! * src[py + xi[k + 3]!]!;
      }
      continue;
    }
    for (let x = 0, k = 0; x < W; x++, k += 4) {
      const a = (py + xi[k]!) * C;
      const b = (py + xi[k + 1]!) * C;
      const d = (py + xi[k + 2]!) * C;
      const e = (py + xi[k + 3]!) * C;
      const w0 = xw[k]!;
      const w1 = xw[k + 1]!;
      const w2 = xw[k + 2]!;
      const w3 = xw[k + 3]!;
      const o = base + x * C;
      for (let c = 0; c < C; c++) tmp[o + c] = w0 * src[a + c]! + w1 * src[b + c]! + w2 * src[d + c]! + w3 * src[e + c]!;
    }
  }
  const out = new Float32Array(W * H * C);
  const stride = W * C;
  const colGain = exposure?.colGain;
  const offset = exposure?.offset ?? 0;
  for (let y = 0; y < H; y++) {
    const k = y * 4;
    const r0 = (yTaps.index[k]! - rowMin) * stride;
    const r1 = (yTaps.index[k + 1]! - rowMin) * stride;
    const r2 = (yTaps.index[k + 2]! - rowMin) * stride;
    const r3 = (yTaps.index[k + 3]! - rowMin) * stride;
    const g = exposure?.rowGain[y] ?? 1;
    const w0 = yTaps.weights[k]! * g;
    const w1 = yTaps.weights[k + 1]! * g;
    const w2 = yTaps.weights[k + 2]! * g;
    const w3 = yTaps.weights[k + 3]! * g;
    const o = y * stride;
    if (colGain) {
      for (let x = 0, i = 0; x < W; x++) {
        const cg = colGain[x]!;
        for (let c = 0; c < C; c++, i++) {
          out[o + i] = (w0 * tmp[r0 + i]! + w1 * tmp[r1 + i]! + w2 * tmp[r2 + i]! + w3 * tmp[r3 + i]!) * cg + offset;
        }
      }
    } else {
      for (let i = 0; i < stride; i++) out[o + i] = w0 * tmp[r0 + i]! + w1 * tmp[r1 + i]! + w2 * tmp[r2 + i]! + w3 * tmp[r3 + i]! + offset;
    }
  }
  return out;
}

/** For each output coordinate, 4 source indices (clamped to the plate) and their Catmull-Rom weights. */
function taps(n: number, centre: number, scale: number, srcSize: number): { index: Int32Array; weights: Float32Array } {
  const index = new Int32Array(n * 4);
  const weights = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    // Pixel centres: output i + 0.5 maps to centre + (i + 0.5 - n/2) * scale in source pixel-centre terms.
    const u = centre + (i + 0.5 - n / 2) * scale - 0.5;
    const iu = Math.floor(u);
    const t = u - iu;
    for (let k = 0; k < 4; k++) index[i * 4 + k] = clampInt(iu - 1 + k, 0, srcSize - 1);
    const t2 = t * t;
    const t3 = t2 * t;
    weights[i * 4] = -0.5 * t3 + t2 - 0.5 * t;
    weights[i * 4 + 1] = 1.5 * t3 - 2.5 * t2 + 1;
    weights[i * 4 + 2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
    weights[i * 4 + 3] = 0.5 * t3 - 0.5 * t2;
  }
  return { index, weights };
}

/**
 * Adds grain in place: blurred white noise renormalised to unit std, scaled by the stock's response to
 * the local value. Colour channels share part of their grain (dye layers are exposed together).
 */
export function addGrain(frame: Float32Array, W: number, H: number, C: number, level: number, stock: FilmStock, seed: number): void {
  if (level <= 0) return;
  const curve = grainCurve(stock, level);
  const fields: Float32Array[] = [];
  for (let c = 0; c < C; c++) {
    const f = new Float32Array(W * H);
    fillNormal(f, subSeed(seed, c));
    // Above 0.8 px the 3-tap blur saturates: coarse grain needs the wide Gaussian.
    fields.push(stock.blur > 0.8 ? gaussianBlurUnitNoise(f, W, H, stock.blur) : blurUnitNoise(f, W, H, stock.blur));
  }
  if (C === 1) {
    const g = fields[0]!;
    for (let p = 0; p < W * H; p++) {
      const v = frame[p]!;
      frame[p] = v + curve[lutIndex(v)]! * g[p]!;
    }
    return;
  }
  // n_c + k * (n_0 + n_1 + n_2), rescaled: channel correlation (2k + 3k^2) / (1 + 2k + 3k^2) = chroma.
  const rho = Math.min(0.98, Math.max(0, stock.chroma));
  const k = (-2 * (1 - rho) + Math.sqrt(4 * (1 - rho) ** 2 + 12 * rho * (1 - rho))) / (6 * (1 - rho));
  const norm = 1 / Math.sqrt(1 + 2 * k + 3 * k * k);
  const [g0, g1, g2] = fields as [Float32Array, Float32Array, Float32Array];
  for (let p = 0; p < W * H; p++) {
    const shared = k * (g0[p]! + g1[p]! + g2[p]!);
    const i = p * 3;
    const r = frame[i]!;
    const g = frame[i + 1]!;
    const b = frame[i + 2]!;
    frame[i] = r + curve[lutIndex(r)]! * (g0[p]! + shared) * norm;
    frame[i + 1] = g + curve[lutIndex(g)]! * (g1[p]! + shared) * norm;
    frame[i + 2] = b + curve[lutIndex(b)]! * (g2[p]! + shared) * norm;
  }
}

const LUT_SIZE = 1024;

function lutIndex(v: number): number {
  const i = (v * (LUT_SIZE - 1) + 0.5) | 0;
  return i < 0 ? 0 : i >= LUT_SIZE ? LUT_SIZE - 1 : i;
}

/** Grain std as a function of value: the stock's floor at black and white, `level` at its peak. */
export function grainCurve(stock: FilmStock, level: number): Float32Array {
  const lut = new Float32Array(LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) {
    const v = i / (LUT_SIZE - 1);
    const spread = v < stock.peak ? stock.peak : 1 - stock.peak;
    const bump = Math.exp(-(((v - stock.peak) / (0.55 * spread)) ** 2));
    lut[i] = level * (stock.floor + (1 - stock.floor) * bump);
  }
  return lut;
}

/**
 * A 3-tap separable blur of unit white noise with variance sigma^2 per axis (sigma up to 0.8 px), rescaled
 * to unit std again: grain clumps over about a pixel, like film scanned near its grain size. Blurs the
 * input in place horizontally and returns the result of the vertical pass in a new array.
 */
export function blurUnitNoise(f: Float32Array, W: number, H: number, sigma: number): Float32Array {
  if (sigma <= 0) return f;
  // Weights [w1, w0, w1] with 2 * w1 = sigma^2 (the kernel's variance); capped where w1 would pass w0.
  const w1 = Math.min(1 / 3, (sigma * sigma) / 2);
  const w0 = 1 - 2 * w1;
  // A separable 2-D kernel scales white-noise std by the 1-D sum of squared weights.
  const renorm = 1 / (w0 * w0 + 2 * w1 * w1);
  const a0 = w0 * renorm;
  const a1 = w1 * renorm;
  for (let y = 0; y < H; y++) {
    const o = y * W;
    let prev = f[o + (W > 1 ? 1 : 0)]!;
    let cur = f[o]!;
    for (let x = 0; x < W; x++) {
      // Mirrored at the ends, so the edges' std matches the inside.
      const next = x + 1 < W ? f[o + x + 1]! : prev;
      f[o + x] = w0 * cur + w1 * (prev + next);
      prev = cur;
      cur = next;
    }
  }
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    const up = reflect(y - 1, H) * W;
    const down = reflect(y + 1, H) * W;
    for (let x = 0; x < W; x++) out[o + x] = a0 * f[o + x]! + a1 * (f[up + x]! + f[down + x]!);
  }
  return out;
}

function reflect(i: number, n: number): number {
  if (i < 0) return Math.min(n - 1, -i);
  if (i >= n) return Math.max(0, 2 * n - 2 - i);
  return i;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
