/**
 * Things in the picture that move on their own, independently of the camera: walking figures whose legs
 * and arms swing (non-rigid motion), objects cut from another part of the plate or procedural blobs that
 * drift and turn, and branches or wires swaying about a pivot. Some enter or leave through a frame edge,
 * some pass in front of others (occlusion and disocclusion), some are motion-blurred. This is the
 * "pathological motion" of film restoration: motion compensation fails there, the neighbours disagree,
 * and a detector that has only seen a rigidly moving camera calls it damage. Actors are part of the
 * clean truth: they are composited over the camera-moved plate, under the frame's exposure, before grain.
 */
import type { Exposure } from './film-look.js';
import type { Plate } from './plates.js';
import { sampleBilinear, segmentDistance, smoothEdge, type Canvas } from './raster.js';
import { pick, rng, subSeed, uniform, type Rand } from './random.js';
import { valueNoise, type Noise2 } from './value-noise.js';

export type ActorKind = 'figure' | 'line' | 'cutout' | 'blob';
/** Kinds by actor index: the first four cover every kind, so even two or three actors mix rigid and non-rigid. */
const KIND_ORDER: readonly ActorKind[] = ['figure', 'line', 'cutout', 'blob'];

/** Fastest actor speed in px/frame at 1024 px frame width. */
export const MAX_ACTOR_SPEED = 8;

interface Moving {
  /** Centre (figures: the hip) at film frame 0, and velocity in px/frame. */
  x0: number;
  y0: number;
  vx: number;
  vy: number;
}

export interface Figure extends Moving {
  kind: 'figure';
  /** Hip to head top is about 0.56 h, hip to feet 0.45 h. */
  h: number;
  /** Pendulum swing of the legs (radians) with period in frames; arms swing against the legs. */
  swing: number;
  period: number;
  phase: number;
  bob: number;
  clothes: number[];
  legs: number[];
  skin: number[];
  /** Most people in old films wear one. */
  hat: boolean;
  texX: number;
  texY: number;
  texMean: number[];
}

export interface Cutout extends Moving {
  kind: 'cutout';
  rx: number;
  ry: number;
  angle0: number;
  /** Radians per frame. */
  spin: number;
  texX: number;
  texY: number;
  gain: number;
  shift: number[];
  rimSeed: number;
}

export interface Blob extends Moving {
  kind: 'blob';
  rx: number;
  ry: number;
  angle0: number;
  spin: number;
  tone: number[];
  texX: number;
  texY: number;
  texMean: number[];
  rimSeed: number;
}

/** A branch or wire hanging from a pivot (x0, y0), swaying; its tip moves most. */
export interface SwayLine extends Moving {
  kind: 'line';
  length: number;
  /** Direction of the rest pose (radians, 0 = +x), natural bend along it, and the sway. */
  angle: number;
  bend: number;
  sway: number;
  period: number;
  phase: number;
  width: number;
  value: number;
  opacity: number;
  /** Side shoots: where along (0..1), at what angle off the line, how long (share of length). */
  shoots: [number, number, number][];
}

export type Actor = (Figure | Cutout | Blob | SwayLine) & { z: number; blur: boolean; seed: number };

export interface ActorsPlan {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Back to front. */
  actors: Actor[];
}

export interface ActorsOptions {
  width: number;
  height: number;
  frames: number;
  channels: 1 | 3;
  count: number;
  seed: number;
  /** The (camera's) plate: cut-outs and figures take their texture from it. */
  plate: Plate;
}

export function planActors(opts: ActorsOptions): ActorsPlan {
  const { width: W, height: H, frames: N, channels: C } = opts;
  const rand = rng(opts.seed, 'actors');
  const unit = W / 1024;
  const actors: Actor[] = [];
  const movers: Actor[] = [];
  for (let i = 0; i < Math.max(0, Math.floor(opts.count)); i++) {
    const kind = KIND_ORDER[i] ?? pick(rand, KIND_ORDER);
    const seed = subSeed(opts.seed, 'actor', i);
    const z = rand();
    const blur = rand() < 0.45;
    if (kind === 'line') {
      actors.push({ ...planLine(rand, W, H), z, blur, seed });
      continue;
    }
    const body = kind === 'figure' ? planFigure(rand, opts) : kind === 'cutout' ? planCutout(rand, opts, seed) : planBlob(rand, opts, seed);
    const reach = actorReach(body);
    const speed = kind === 'figure' ? uniform(rand, 1, 4) * unit : uniform(rand, 2, MAX_ACTOR_SPEED) * unit;
    const dir = kind === 'figure' ? (rand() < 0.5 ? 0 : Math.PI) + uniform(rand, -0.15, 0.15) : rand() * 2 * Math.PI;
    const vx = speed * Math.cos(dir);
    const vy = speed * Math.sin(dir);
    const last = Math.max(1, N - 1);
    // An earlier actor to cross, at a time when it is in the frame.
    const at0 = uniform(rand, 0.3, 0.7) * last;
    const visible = movers.filter((m) => {
      const mx = m.x0 + m.vx * at0;
      const my = m.y0 + m.vy * at0;
      return mx > 0 && mx < W && my > 0 && my < H;
    });
    const mode = pick(rand, visible.length > 0 ? (['enter', 'leave', 'cross', 'cross', 'free'] as const) : (['enter', 'leave', 'free'] as const));
    let x: number;
    let y: number;
    let at: number;
    if (mode === 'cross') {
      // Meet an earlier actor part way through: one passes in front of the other.
      const other = pick(rand, visible);
      at = at0;
      x = other.x0 + other.vx * at + uniform(rand, -0.3, 0.3) * reach;
      y = other.y0 + other.vy * at + uniform(rand, -0.3, 0.3) * reach;
    } else if (mode === 'enter' || mode === 'leave') {
      // The centre crosses the edge it moves across early (entering) or late (leaving) in the shot.
      at = (mode === 'enter' ? uniform(rand, 0.15, 0.5) : uniform(rand, 0.5, 0.85)) * last;
      const out = mode === 'leave';
      if (Math.abs(vx) >= Math.abs(vy)) {
        x = (vx > 0) === out ? W : 0;
        y = uniform(rand, 0.25, 0.75) * H;
      } else {
        y = (vy > 0) === out ? H : 0;
        x = uniform(rand, 0.2, 0.8) * W;
      }
    } else {
      at = last / 2;
      x = uniform(rand, 0.15, 0.85) * W;
      y = uniform(rand, 0.25, 0.75) * H;
    }
    if (kind === 'figure' && mode !== 'cross') y = Math.min(y, H - 0.25 * (body as Figure).h);
    const actor = { ...body, x0: x - vx * at, y0: y - vy * at, vx, vy, z, blur, seed } as Actor;
    actors.push(actor);
    movers.push(actor);
  }
  // Mostly drawn fast enough: draw order is by depth, so crossing actors occlude each other consistently.
  actors.sort((a, b) => a.z - b.z);
  return { width: W, height: H, channels: C, actors };
}

type Body<T> = Omit<T, keyof Moving | 'z' | 'blur' | 'seed'>;

function tint(rand: Rand, C: number, v: number, spread: number): number[] {
  return Array.from({ length: C }, () => Math.max(0.02, Math.min(0.98, v * uniform(rand, 1 - spread, 1 + spread))));
}

function planFigure(rand: Rand, o: ActorsOptions): Body<Figure> {
  const h = uniform(rand, 0.25, 0.6) * o.height;
  const dark = rand() < 0.75;
  const clothes = tint(rand, o.channels, dark ? uniform(rand, 0.08, 0.28) : uniform(rand, 0.5, 0.75), 0.12);
  const legs = rand() < 0.5 ? clothes : tint(rand, o.channels, uniform(rand, 0.08, 0.5), 0.1);
  const skinV = uniform(rand, 0.45, 0.75);
  const skin = o.channels === 3 ? [skinV * 1.08, skinV * 0.93, skinV * 0.82] : [skinV];
  const texX = uniform(rand, 0.1, 0.9) * o.plate.width;
  const texY = uniform(rand, 0.1, 0.9) * o.plate.height;
  return {
    kind: 'figure',
    h,
    swing: uniform(rand, 0.3, 0.55),
    period: uniform(rand, 8, 16),
    phase: rand() * 2 * Math.PI,
    bob: uniform(rand, 0.005, 0.015) * h,
    clothes,
    legs,
    skin,
    hat: rand() < 0.6,
    texX,
    texY,
    texMean: regionMean(o.plate, texX, texY, h),
  };
}

function planCutout(rand: Rand, o: ActorsOptions, seed: number): Body<Cutout> {
  const rx = uniform(rand, 0.05, 0.14) * o.width;
  const ry = rx * uniform(rand, 0.5, 1.2);
  const reach = Math.max(rx, ry) * 1.3;
  return {
    kind: 'cutout',
    rx,
    ry,
    angle0: rand() * 2 * Math.PI,
    spin: rand() < 0.6 ? (uniform(rand, -3, 3) * Math.PI) / 180 : 0,
    texX: uniform(rand, reach, Math.max(reach, o.plate.width - reach)),
    texY: uniform(rand, reach, Math.max(reach, o.plate.height - reach)),
    gain: uniform(rand, 0.8, 1.2),
    // Mostly a change of brightness: a strong colour cast would make it look pasted on.
    shift: ((common) => Array.from({ length: o.channels }, () => common + uniform(rand, -0.03, 0.03)))(uniform(rand, -0.12, 0.12)),
    rimSeed: subSeed(seed, 'rim'),
  };
}

function planBlob(rand: Rand, o: ActorsOptions, seed: number): Body<Blob> {
  const rx = uniform(rand, 0.03, 0.09) * o.width;
  const texX = uniform(rand, 0.1, 0.9) * o.plate.width;
  const texY = uniform(rand, 0.1, 0.9) * o.plate.height;
  return {
    kind: 'blob',
    rx,
    ry: rx * uniform(rand, 0.6, 1),
    angle0: rand() * 2 * Math.PI,
    spin: (uniform(rand, -4, 4) * Math.PI) / 180,
    tone: tint(rand, o.channels, uniform(rand, 0.12, 0.75), 0.15),
    texX,
    texY,
    texMean: regionMean(o.plate, texX, texY, 2 * rx),
    rimSeed: subSeed(seed, 'rim'),
  };
}

function planLine(rand: Rand, W: number, H: number): Body<SwayLine> & Moving {
  // Hanging from above (a branch, a wire) or reaching in from a side.
  const side = pick(rand, ['top', 'top', 'left', 'right'] as const);
  const length = uniform(rand, 0.3, 0.75) * H;
  let x0: number;
  let y0: number;
  let angle: number;
  if (side === 'top') {
    x0 = uniform(rand, 0.1, 0.9) * W;
    y0 = -uniform(rand, 0, 0.08) * H;
    angle = Math.PI / 2 + uniform(rand, -0.6, 0.6);
  } else {
    x0 = side === 'left' ? -uniform(rand, 0, 0.05) * W : W * (1 + uniform(rand, 0, 0.05));
    y0 = uniform(rand, 0.1, 0.7) * H;
    angle = (side === 'left' ? 0 : Math.PI) + uniform(rand, -0.4, 0.6) * (side === 'left' ? 1 : -1);
  }
  const bright = rand() < 0.3;
  const shoots: [number, number, number][] = [];
  const nShoots = Math.floor(rand() * 3);
  for (let k = 0; k < nShoots; k++) shoots.push([uniform(rand, 0.3, 0.85), uniform(rand, 0.4, 0.9) * (rand() < 0.5 ? -1 : 1), uniform(rand, 0.15, 0.35)]);
  return {
    kind: 'line',
    x0,
    y0,
    vx: 0,
    vy: 0,
    length,
    angle,
    bend: uniform(rand, -0.4, 0.4),
    sway: (uniform(rand, 3, 10) * Math.PI) / 180,
    period: uniform(rand, 6, 24),
    phase: rand() * 2 * Math.PI,
    width: uniform(rand, 1, 3) * Math.max(1, W / 1024),
    value: bright ? uniform(rand, 0.78, 0.95) : uniform(rand, 0.04, 0.2),
    opacity: uniform(rand, 0.7, 0.95),
    shoots,
  };
}

/** Mean of the plate around (x, y), so a figure's texture varies about its clothes' tone, not the plate's. */
function regionMean(plate: Plate, x: number, y: number, size: number): number[] {
  const out = new Array<number>(plate.channels).fill(0);
  let n = 0;
  for (let j = -2; j <= 2; j++) {
    for (let i = -2; i <= 2; i++) {
      for (let c = 0; c < plate.channels; c++) out[c]! += sampleBilinear(plate, x + (i * size) / 8, y + (j * size) / 4, c);
      n++;
    }
  }
  return out.map((v) => v / n);
}

/** Distance from an actor's centre (pivot for lines) that its drawing can reach, plus the edge softness. */
function actorReach(a: Body<Figure> | Body<Cutout> | Body<Blob> | Body<SwayLine>): number {
  if (a.kind === 'figure') return 0.66 * a.h + 2;
  if (a.kind === 'line') return a.length * 1.1 + a.width + 2;
  return Math.max(a.rx, a.ry) * 1.3 + 2;
}

/** One part of an actor at one instant: where it may cover, how much it covers a point, and its value there. */
interface Part {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  cover(x: number, y: number): number;
  /** Writes the value of every channel into `out`. */
  value(x: number, y: number, out: Float64Array): void;
  /** Combine with earlier parts by maximum (segments of one flat line), not "over" (which knots joints). */
  max?: boolean;
}

const EDGE = 0.7;

function figureParts(a: Figure & Actor, t: number, plate: Canvas): Part[] {
  const h = a.h;
  const cycle = (2 * Math.PI * t) / a.period + a.phase;
  const theta = a.swing * Math.sin(cycle);
  // The body rises at mid-stride, twice per cycle; knees bend as a leg swings forward.
  const cx = a.x0 + a.vx * t;
  const cy = a.y0 + a.vy * t - a.bob * Math.abs(Math.cos(cycle));
  const dir = a.vx >= 0 ? 1 : -1;
  const C = plate.channels;
  // Half-scale texture at low contrast: folds and shading of cloth, not a see-through picture.
  const tex = (lx: number, ly: number, base: readonly number[], gain: number, out: Float64Array): void => {
    for (let c = 0; c < C; c++) out[c] = (base[c]! + 0.3 * (sampleBilinear(plate, a.texX + 0.5 * lx, a.texY + 0.5 * ly, c) - a.texMean[c]!)) * gain;
  };
  const ellipse = (ex: number, ey: number, rx: number, ry: number, base: readonly number[]): Part => ({
    x0: cx + ex - rx - 2,
    x1: cx + ex + rx + 2,
    y0: cy + ey - ry - 2,
    y1: cy + ey + ry + 2,
    cover: (x, y) => {
      const dx = (x - cx - ex) / rx;
      const dy = (y - cy - ey) / ry;
      return smoothEdge((1 - Math.sqrt(dx * dx + dy * dy)) * Math.min(rx, ry), EDGE);
    },
    // Rounded shading: darker towards the sides, as a lit body is.
    value: (x, y, out) => tex(x - cx, y - cy, base, 1 - 0.25 * ((x - cx - ex) / rx) ** 2, out),
  });
  /** A tapered capsule from (ax, ay) along `angle` (0 = straight down), radius r0 at the joint to r1 at the end. */
  const segment = (ax: number, ay: number, len: number, r0: number, r1: number, angle: number, base: readonly number[], texOff: number): Part => {
    const bx = ax + len * Math.sin(angle);
    const by = ay + len * Math.cos(angle);
    const r = Math.max(r0, r1);
    return {
      x0: Math.min(ax, bx) - r - 2,
      x1: Math.max(ax, bx) + r + 2,
      y0: Math.min(ay, by) - r - 2,
      y1: Math.max(ay, by) + r + 2,
      cover: (x, y) => {
        const along = ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / (len * len);
        const u = along < 0 ? 0 : along > 1 ? 1 : along;
        return smoothEdge(r0 + (r1 - r0) * u - segmentDistance(x, y, ax, ay, bx, by), EDGE);
      },
      value: (x, y, out) => {
        // Texture in the limb's own frame, so it swings with the limb.
        const along = (x - ax) * Math.sin(angle) + (y - ay) * Math.cos(angle);
        const across = (x - ax) * Math.cos(angle) - (y - ay) * Math.sin(angle);
        tex(across + texOff, along + texOff, base, 1 - 0.2 * Math.min(1, (across / r) ** 2), out);
      },
    };
  };
  // Seen from the side, as a walker crossing the frame is: legs and arms swing about one hip and one shoulder.
  const leg = (swing: number, flexPhase: number, shade: number, texOff: number): Part[] => {
    const hx = cx;
    const hy = cy;
    const thigh = 0.24 * h;
    const knee = 0.6 * a.swing * Math.max(0, Math.sin(flexPhase));
    const kx = hx + thigh * Math.sin(dir * swing);
    const ky = hy + thigh * Math.cos(dir * swing);
    const shin = 0.22 * h;
    const ax = kx + shin * Math.sin(dir * (swing - knee));
    const ay = ky + shin * Math.cos(dir * (swing - knee));
    const tone = a.legs.map((v) => v * shade);
    return [
      segment(hx, hy, thigh, 0.05 * h, 0.04 * h, dir * swing, tone, texOff),
      segment(kx, ky, shin, 0.038 * h, 0.03 * h, dir * (swing - knee), tone, texOff + 0.2 * h),
      // The foot, pointing the way the figure walks.
      segment(ax, ay, 0.07 * h, 0.022 * h, 0.018 * h, dir * (Math.PI / 2 - 0.2) + dir * (swing - knee) * 0.3, tone.map((v) => v * 0.7), texOff),
    ];
  };
  const arm = (swing: number, shade: number, texOff: number): Part =>
    segment(cx + dir * 0.01 * h, cy - 0.37 * h, 0.33 * h, 0.032 * h, 0.024 * h, dir * swing, a.clothes.map((v) => v * shade), texOff);
  const torso = segment(cx + dir * 0.01 * h, cy - 0.39 * h, 0.36 * h, 0.075 * h, 0.07 * h, dir * 0.04, a.clothes, 0);
  const head = ellipse(dir * 0.02 * h, -0.5 * h, 0.05 * h, 0.064 * h, a.skin);
  const parts: Part[] = [
    // Far limbs first (a little darker, in the body's shadow), near limbs last: drawn "over".
    ...leg(-theta, cycle + Math.PI / 2 + Math.PI, 0.8, 0.3 * h),
    arm(0.7 * theta, 0.8, 0.5 * h),
    torso,
    head,
  ];
  if (a.hat) parts.push(ellipse(dir * 0.02 * h, -0.553 * h, 0.08 * h, 0.014 * h, a.legs), ellipse(dir * 0.02 * h, -0.582 * h, 0.052 * h, 0.034 * h, a.legs));
  parts.push(...leg(theta, cycle + Math.PI / 2, 1, 0.7 * h), arm(-0.7 * theta, 1, 0.9 * h));
  return parts;
}

const RIM_STEPS = 256;

/**
 * An outline's radius factor by angle (RIM_STEPS entries round the circle): smooth noise sampled round a
 * circle, so it closes up; tabulated once, as evaluating noise per pixel and instant is slow.
 */
function rimTable(seed: number): Float32Array {
  const rim: Noise2 = valueNoise(seed);
  const out = new Float32Array(RIM_STEPS + 1);
  for (let i = 0; i <= RIM_STEPS; i++) {
    const th = (2 * Math.PI * i) / RIM_STEPS;
    out[i] = 1 + 0.12 * (2 * rim(2 * Math.cos(th) + 5, 2 * Math.sin(th) + 5) - 1);
  }
  return out;
}

/** A cut-out or blob: a ragged ellipse, turning about its centre, textured from the plate or shaded. */
function roundParts(a: (Cutout | Blob) & Actor, t: number, plate: Canvas, rim: Float32Array): Part[] {
  const cx = a.x0 + a.vx * t;
  const cy = a.y0 + a.vy * t;
  const ang = a.angle0 + a.spin * t;
  const ca = Math.cos(ang);
  const sa = Math.sin(ang);
  const reach = Math.max(a.rx, a.ry) * 1.3 + 2;
  return [
    {
      x0: cx - reach,
      x1: cx + reach,
      y0: cy - reach,
      y1: cy + reach,
      cover: (x, y) => {
        const lx = (x - cx) * ca + (y - cy) * sa;
        const ly = -(x - cx) * sa + (y - cy) * ca;
        const u = lx / a.rx;
        const v = ly / a.ry;
        const rho = Math.sqrt(u * u + v * v);
        if (rho > 1.25) return 0;
        const th = Math.atan2(v, u);
        const k = ((th + Math.PI) / (2 * Math.PI)) * RIM_STEPS;
        const i = Math.floor(k);
        const edge = rim[i]! + (rim[Math.min(RIM_STEPS, i + 1)]! - rim[i]!) * (k - i);
        return smoothEdge((edge - rho) * Math.min(a.rx, a.ry), EDGE);
      },
      value: (x, y, out) => {
        const lx = (x - cx) * ca + (y - cy) * sa;
        const ly = -(x - cx) * sa + (y - cy) * ca;
        const C = plate.channels;
        if (a.kind === 'cutout') {
          for (let c = 0; c < C; c++) out[c] = sampleBilinear(plate, a.texX + lx, a.texY + ly, c) * a.gain + a.shift[c]!;
          return;
        }
        // Lit from the upper left in its own frame, its surface textured by another part of the plate.
        const shade = 1 - 0.3 * ((lx + ly) / (1.4 * Math.max(a.rx, a.ry)));
        for (let c = 0; c < C; c++) out[c] = a.tone[c]! * shade + 0.5 * (sampleBilinear(plate, a.texX + lx, a.texY + ly, c) - a.texMean[c]!);
      },
    },
  ];
}

/** A swaying line: heading changes along it (bend), and the sway grows towards the tip as a branch flexes. */
function linePolylines(a: SwayLine, t: number): [number, number][][] {
  const sway = a.sway * Math.sin((2 * Math.PI * t) / a.period + a.phase);
  const steps = 16;
  const pts: [number, number][] = [[a.x0, a.y0]];
  const headings: number[] = [];
  let x = a.x0;
  let y = a.y0;
  for (let s = 1; s <= steps; s++) {
    const u = s / steps;
    const heading = a.angle + a.bend * u + sway * (0.4 + 1.2 * u * u);
    headings.push(heading);
    x += (Math.cos(heading) * a.length) / steps;
    y += (Math.sin(heading) * a.length) / steps;
    pts.push([x, y]);
  }
  const lines = [pts];
  for (const [at, off, share] of a.shoots) {
    const k = Math.max(1, Math.min(steps - 1, Math.round(at * steps)));
    const [sx, sy] = pts[k]!;
    const h = headings[k - 1]! + off + 0.5 * sway;
    const len = share * a.length;
    lines.push([
      [sx, sy],
      [sx + Math.cos(h) * len * 0.5, sy + Math.sin(h) * len * 0.5],
      [sx + Math.cos(h + 0.15) * len, sy + Math.sin(h + 0.15) * len],
    ]);
  }
  return lines;
}

function lineParts(a: SwayLine & Actor, t: number): Part[] {
  const parts: Part[] = [];
  linePolylines(a, t).forEach((pts, li) => {
    const r = (li === 0 ? a.width : Math.max(0.8, 0.6 * a.width)) / 2;
    for (let s = 0; s + 1 < pts.length; s++) {
      const [ax, ay] = pts[s]!;
      const [bx, by] = pts[s + 1]!;
      // Thinner towards the tip, as a branch is.
      const rr = li === 0 ? r * (1 - (0.4 * s) / pts.length) : r;
      parts.push({
        x0: Math.min(ax, bx) - rr - 2,
        x1: Math.max(ax, bx) + rr + 2,
        y0: Math.min(ay, by) - rr - 2,
        y1: Math.max(ay, by) + rr + 2,
        cover: (x, y) => a.opacity * smoothEdge(rr - segmentDistance(x, y, ax, ay, bx, by), 0.6),
        value: (_x, _y, out) => out.fill(a.value),
        max: true,
      });
    }
  });
  return parts;
}

function partsAt(a: Actor, t: number, plate: Canvas, rim: Float32Array): Part[] {
  if (a.kind === 'figure') return figureParts(a, t, plate);
  if (a.kind === 'line') return lineParts(a, t);
  return roundParts(a, t, plate, rim);
}

/**
 * Sub-frame instants: the open half of a 180 degree shutter, or the frame's instant alone. Three instants
 * are enough where nothing moves more than a couple of pixels while the shutter is open; five otherwise.
 */
function instants(a: Actor, f: number): number[] {
  if (!a.blur) return [f];
  const fastest =
    a.kind === 'figure'
      ? Math.hypot(a.vx, a.vy) + (2 * Math.PI * a.swing * 0.47 * a.h) / a.period
      : a.kind === 'line'
        ? (2 * Math.PI * a.sway * 1.6 * a.length) / a.period
        : Math.hypot(a.vx, a.vy) + Math.abs(a.spin) * Math.max(a.rx, a.ry);
  const offsets = fastest * 0.5 < 2 ? [-0.25, 0, 0.25] : [-0.25, -0.125, 0, 0.125, 0.25];
  return offsets.map((s) => f + s);
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Pixel box (inclusive) an actor may cover on film frame f, clipped to the frame; null when off frame. */
function boxAt(parts: Part[][], W: number, H: number): Box | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const ps of parts) {
    for (const p of ps) {
      x0 = Math.min(x0, p.x0);
      y0 = Math.min(y0, p.y0);
      x1 = Math.max(x1, p.x1);
      y1 = Math.max(y1, p.y1);
    }
  }
  const box = { x0: Math.max(0, Math.floor(x0)), y0: Math.max(0, Math.floor(y0)), x1: Math.min(W - 1, Math.ceil(x1)), y1: Math.min(H - 1, Math.ceil(y1)) };
  return box.x0 > box.x1 || box.y0 > box.y1 ? null : box;
}

/**
 * Composites every actor of film frame f onto the exposed frame, back to front. Each actor is first
 * accumulated on its own (parts "over" each other, then averaged over the shutter's instants when
 * blurred), then laid over the frame with its soft alpha, its values passed through the frame's exposure.
 */
export function drawActors(plan: ActorsPlan, plate: Plate, frame: Float32Array, f: number, exposure?: Exposure): void {
  const { width: W, height: H, channels: C } = plan;
  for (const a of plan.actors) {
    const rim = rimTable(a.kind === 'cutout' || a.kind === 'blob' ? a.rimSeed : a.seed);
    const times = instants(a, f);
    const partsPerTime = times.map((t) => partsAt(a, t, plate, rim));
    const box = boxAt(partsPerTime, W, H);
    if (!box) continue;
    const bw = box.x1 - box.x0 + 1;
    const bh = box.y1 - box.y0 + 1;
    const alpha = new Float32Array(bw * bh);
    const prem = new Float32Array(bw * bh * C);
    const cov = new Float32Array(bw * bh);
    const val = new Float32Array(bw * bh * C);
    const share = 1 / times.length;
    const v = new Float64Array(C);
    for (const parts of partsPerTime) {
      // Only the box this instant's parts touch is cleared and accumulated.
      let tx0 = box.x1;
      let tx1 = box.x0;
      let ty0 = box.y1;
      let ty1 = box.y0;
      for (const part of parts) {
        const px0 = Math.max(box.x0, Math.floor(part.x0));
        const px1 = Math.min(box.x1, Math.ceil(part.x1));
        const py0 = Math.max(box.y0, Math.floor(part.y0));
        const py1 = Math.min(box.y1, Math.ceil(part.y1));
        if (px0 > px1 || py0 > py1) continue;
        tx0 = Math.min(tx0, px0);
        tx1 = Math.max(tx1, px1);
        ty0 = Math.min(ty0, py0);
        ty1 = Math.max(ty1, py1);
      }
      for (let y = ty0; y <= ty1; y++) {
        const j = (y - box.y0) * bw;
        cov.fill(0, j + tx0 - box.x0, j + tx1 - box.x0 + 1);
      }
      for (const part of parts) {
        const px0 = Math.max(box.x0, Math.floor(part.x0));
        const px1 = Math.min(box.x1, Math.ceil(part.x1));
        const py0 = Math.max(box.y0, Math.floor(part.y0));
        const py1 = Math.min(box.y1, Math.ceil(part.y1));
        for (let y = py0; y <= py1; y++) {
          for (let x = px0; x <= px1; x++) {
            const k = part.cover(x + 0.5, y + 0.5);
            if (k <= 0) continue;
            const j = (y - box.y0) * bw + (x - box.x0);
            const before = cov[j]!;
            if (part.max) {
              if (k > before) {
                cov[j] = k;
                part.value(x + 0.5, y + 0.5, v);
                for (let c = 0; c < C; c++) val[j * C + c] = v[c]!;
              }
              continue;
            }
            const after = before + k * (1 - before);
            // "Over" within the actor: the later part shows where it covers.
            part.value(x + 0.5, y + 0.5, v);
            for (let c = 0; c < C; c++) val[j * C + c] = (val[j * C + c]! * before * (1 - k) + v[c]! * k) / after;
            cov[j] = after;
          }
        }
      }
      for (let y = ty0; y <= ty1; y++) {
        for (let x = tx0; x <= tx1; x++) {
          const j = (y - box.y0) * bw + (x - box.x0);
          const k = cov[j]!;
          if (k <= 0) continue;
          alpha[j] = alpha[j]! + k * share;
          for (let c = 0; c < C; c++) prem[j * C + c] = prem[j * C + c]! + val[j * C + c]! * k * share;
        }
      }
    }
    for (let y = box.y0; y <= box.y1; y++) {
      const rg = exposure ? exposure.rowGain[y]! : 1;
      for (let x = box.x0; x <= box.x1; x++) {
        const j = (y - box.y0) * bw + (x - box.x0);
        const k = alpha[j]!;
        if (k <= 0) continue;
        const g = exposure ? exposure.colGain[x]! * rg : 1;
        const off = exposure ? exposure.offset : 0;
        const i = (y * W + x) * C;
        for (let c = 0; c < C; c++) frame[i + c] = frame[i + c]! * (1 - k) + prem[j * C + c]! * g + k * off;
      }
    }
  }
}

/** Per actor, the pixel box it may cover on film frame f (null when out of frame): for reports and tests. */
export function actorBoxes(plan: ActorsPlan, plate: Plate, f: number): (Box | null)[] {
  return plan.actors.map((a) => {
    const rim = rimTable(a.kind === 'cutout' || a.kind === 'blob' ? a.rimSeed : a.seed);
    return boxAt(instants(a, f).map((t) => partsAt(a, t, plate, rim)), plan.width, plan.height);
  });
}

/** The pendulum angle of a figure's legs at time t (radians), for tests. */
export function figureSwing(a: Figure, t: number): number {
  return a.swing * Math.sin((2 * Math.PI * t) / a.period + a.phase);
}

/** For seq.meta: what each actor is and how it moves, rounded. */
export function describeActors(plan: ActorsPlan): Record<string, unknown>[] {
  const r = (v: number): number => Math.round(v * 1000) / 1000;
  return plan.actors.map((a) => {
    const base = { kind: a.kind, z: r(a.z), blur: a.blur, x0: r(a.x0), y0: r(a.y0), vx: r(a.vx), vy: r(a.vy) };
    if (a.kind === 'figure') return { ...base, height: r(a.h), swing: r(a.swing), period: r(a.period) };
    if (a.kind === 'line') return { ...base, length: r(a.length), width: r(a.width), sway: r(a.sway), period: r(a.period), bright: a.value > 0.5 };
    return { ...base, rx: r(a.rx), ry: r(a.ry), spin: r(a.spin) };
  });
}
