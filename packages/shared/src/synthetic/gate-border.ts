/**
 * Frame borders and gate edges: the black (or clear, bright) bands at the edge of a scanned frame where
 * the printer's or scanner's gate cut the picture off. On real film they weave by a pixel or two with the
 * film, flicker in brightness independently of the picture, and have a slightly ragged, rounded edge.
 * A detector that compares a pixel with its neighbours in time sees a large, sharp, one-frame change
 * along every border edge, which is not damage; these bands teach it so.
 */
import { gaussian, rng, uniform } from './random.js';
import { smoothEdge } from './raster.js';
import { valueNoise, type Noise2 } from './value-noise.js';

export type GateEdge = 'left' | 'right' | 'top' | 'bottom';

export interface GateBorderPlan {
  width: number;
  height: number;
  edges: GateEdge[];
  /** Band width in pixels per edge (0 for edges without a band). */
  inset: Record<GateEdge, number>;
  bright: boolean;
  /** Per frame: the band's value (its own flicker) and the film's horizontal and vertical shift. */
  tone: number[];
  dx: number[];
  dy: number[];
  /** Edge softness (px), raggedness (px) and the radius of a corner where two bands meet. */
  soft: number;
  rough: number;
  corner: number;
  seed: number;
}

const PATTERNS: readonly (readonly GateEdge[])[] = [
  ['left'],
  ['right'],
  ['left', 'right'],
  ['top'],
  ['top', 'bottom'],
  ['left', 'top'],
  ['right', 'bottom'],
  ['left', 'right', 'top', 'bottom'],
];

export function planGateBorder(width: number, height: number, frames: number, seed: number): GateBorderPlan {
  const rand = rng(seed, 'gate-border');
  const normal = gaussian(rand);
  const edges = [...PATTERNS[Math.floor(rand() * PATTERNS.length)]!];
  const soft = uniform(rand, 0.6, 1.8);
  const rough = uniform(rand, 0.2, 0.8);
  const inset: Record<GateEdge, number> = { left: 0, right: 0, top: 0, bottom: 0 };
  for (const e of edges) {
    const span = e === 'left' || e === 'right' ? width : height;
    // Wide enough that the weave (up to 2 px) never lifts the band off the frame edge.
    inset[e] = Math.max(3 + soft + rough, uniform(rand, 0.01, 0.045) * span);
  }
  const bright = rand() < 0.3;
  const base = bright ? uniform(rand, 0.8, 0.93) : uniform(rand, 0.015, 0.06);
  const flick = bright ? uniform(rand, 0.02, 0.045) : uniform(rand, 0.008, 0.02);
  const weave = uniform(rand, 0.4, 0.9);
  const tone: number[] = [];
  const dx: number[] = [];
  const dy: number[] = [];
  let wx = 0;
  let wy = 0;
  for (let f = 0; f < frames; f++) {
    // Independent per frame: a gate's light flickers with the lamp and the film's density, not the picture's.
    tone.push(Math.max(0.003, Math.min(0.99, base + flick * normal())));
    wx = 0.5 * wx + 0.87 * weave * normal();
    wy = 0.5 * wy + 0.87 * weave * normal();
    dx.push(Math.max(-2, Math.min(2, wx)));
    dy.push(Math.max(-2, Math.min(2, wy)));
  }
  return {
    width,
    height,
    edges,
    inset,
    bright,
    tone,
    dx,
    dy,
    soft,
    rough,
    corner: uniform(rand, 0.015, 0.05) * Math.min(width, height),
    seed,
  };
}

/**
 * Draws the bands of film frame f onto an exposed frame in place. The picture window is a rounded
 * rectangle (rounded only where two bands meet); an edge without a band lies far outside the frame.
 */
export function drawGateBorder(plan: GateBorderPlan, frame: Float32Array, channels: number, f: number): void {
  const { width: W, height: H } = plan;
  const k = Math.min(f, plan.tone.length - 1);
  const far = 4 * (W + H);
  const has = (e: GateEdge): boolean => plan.inset[e] > 0;
  const left = has('left') ? plan.inset.left + plan.dx[k]! : -far;
  const right = has('right') ? W - plan.inset.right + plan.dx[k]! : W + far;
  const top = has('top') ? plan.inset.top + plan.dy[k]! : -far;
  const bottom = has('bottom') ? H - plan.inset.bottom + plan.dy[k]! : H + far;
  const cx = (left + right) / 2;
  const cy = (top + bottom) / 2;
  const r = plan.corner;
  const hx = (right - left) / 2 - r;
  const hy = (bottom - top) / 2 - r;
  const edgeNoise = valueNoise(plan.seed ^ 0x5a5a);
  const bandNoise = valueNoise(plan.seed ^ 0x3c3c);
  const tone = plan.tone[k]!;
  const reach = plan.soft + plan.rough + r + 2;
  const xIn0 = Math.max(0, Math.floor(left + reach));
  const xIn1 = Math.min(W, Math.ceil(right - reach));
  for (let y = 0; y < H; y++) {
    const inner = y > top + reach && y < bottom - reach;
    // Rows inside the window need only the left and right strips.
    const spans: [number, number][] = inner ? [[0, xIn0], [xIn1, W]] : [[0, W]];
    for (const [a, b] of spans) {
      for (let x = a; x < b; x++) {
        const d = roundedRectOutside(x + 0.5 - cx, y + 0.5 - cy, hx, hy, r) + plan.rough * (2 * edgeNoise((x + y) / 7, 3.5) - 1);
        const cover = smoothEdge(d, plan.soft);
        if (cover <= 0) continue;
        const v = bandValue(tone, plan.bright, bandNoise, x, y);
        const i = (y * W + x) * channels;
        for (let c = 0; c < channels; c++) frame[i + c] = frame[i + c]! + cover * (v - frame[i + c]!);
      }
    }
  }
}

/** The band's value with a faint, smooth unevenness (the base's density is not perfectly flat). */
function bandValue(tone: number, bright: boolean, noise: Noise2, x: number, y: number): number {
  const n = noise(x / 23, y / 23) - 0.5;
  return tone * (1 + (bright ? 0.04 : 0.3) * n);
}

/** Signed distance outside a rounded rectangle centred at 0 with half-sizes (hx + r, hy + r). */
function roundedRectOutside(px: number, py: number, hx: number, hy: number, r: number): number {
  const qx = Math.abs(px) - hx;
  const qy = Math.abs(py) - hy;
  const ox = Math.max(qx, 0);
  const oy = Math.max(qy, 0);
  return Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0) - r;
}

/** For reports: what the border looks like, without the per-frame arrays. */
export function describeGateBorder(plan: GateBorderPlan): Record<string, unknown> {
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    edges: plan.edges,
    inset: Object.fromEntries(plan.edges.map((e) => [e, round(plan.inset[e])])),
    bright: plan.bright,
    tone: plan.tone.map(round),
    shift: plan.dx.map((v, i) => [round(v), round(plan.dy[i]!)]),
  };
}
