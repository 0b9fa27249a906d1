import type { FrameLayout, Samples } from '../frames/types.js';

/**
 * A small deterministic film clip for tests and the demo: a textured picture (gradients, sinusoids,
 * soft shapes) panning slowly, fresh grain on every frame, and one-frame dust specks (dark and
 * bright, soft edged) plus optionally a thin vertical scratch that persists. Not the benchmark
 * generator: it only has to be plausible and exactly reproducible from its seed.
 */

/** mulberry32: a tiny seeded PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a uniform source (Box-Muller, both outputs used). */
export function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export interface Vec {
  x: number;
  y: number;
}

export interface SyntheticClipOptions {
  width: number;
  height: number;
  frames: number;
  channels: 1 | 3;
  bits: 8 | 16;
  seed: number;
  /** A Vec is the pan per frame (frame f shows the picture offset by f*shift); an array gives each frame's offset. */
  shift?: Vec | Vec[];
  /** Grain standard deviation in [0,1] units. */
  grainSigma?: number;
  damage?: {
    specksPerFrame: number;
    scratch?: boolean;
    minRadius?: number;
    maxRadius?: number;
    /**
     * Keep each speck clear of the previous frame's specks on the picture (default true), so every
     * speck really is on one frame only. Off, specks may stack up on neighbouring frames by chance.
     */
    separate?: boolean;
  };
}

export interface SyntheticClip {
  layout: FrameLayout;
  clean: Samples[];
  damaged: Samples[];
  /** Per frame, 255 where the damaged frame differs from the clean one. */
  masks: Uint8Array[];
  /** Picture offset of each frame: frame f at (x, y) shows the picture at (x + off.x, y + off.y). */
  offsets: Vec[];
}

interface Shape {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  round: boolean;
  value: number[];
}

function frameOffsets(opts: SyntheticClipOptions): Vec[] {
  const out: Vec[] = [];
  const s = opts.shift;
  for (let f = 0; f < opts.frames; f++) {
    if (Array.isArray(s)) out.push(s[f] ?? s[s.length - 1] ?? { x: 0, y: 0 });
    else out.push({ x: (s?.x ?? 0) * f, y: (s?.y ?? 0) * f });
  }
  return out;
}

/** Soft 0..1 coverage from a signed distance (positive inside), about 1.5 px of edge. */
function coverage(d: number): number {
  const t = (d + 0.75) / 1.5;
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

export function makeSyntheticClip(opts: SyntheticClipOptions): SyntheticClip {
  const { width: W, height: H, channels: C, bits } = opts;
  const layout: FrameLayout = { width: W, height: H, channels: C, bits };
  const maxV = bits === 16 ? 65535 : 255;
  const rand = mulberry32(opts.seed);
  const normal = gaussian(rand);
  const sigma = opts.grainSigma ?? 0.01;
  const offsets = frameOffsets(opts);

  // Picture parameters: shared by all frames, so frames differ only by pan, grain and damage.
  const phase = Array.from({ length: 6 }, () => rand() * 2 * Math.PI);
  const chanGain = Array.from({ length: C }, (_, c) => (C === 1 ? 1 : 0.8 + 0.2 * c));
  const shapes: Shape[] = [];
  const span = Math.max(W, H);
  for (let k = 0; k < 10; k++) {
    shapes.push({
      cx: rand() * (W + 40) - 20,
      cy: rand() * (H + 40) - 20,
      rx: 6 + rand() * span * 0.12,
      ry: 6 + rand() * span * 0.12,
      round: rand() < 0.5,
      value: Array.from({ length: C }, () => (rand() - 0.5) * 0.3),
    });
  }

  const clean: Samples[] = [];
  const damaged: Samples[] = [];
  const masks: Uint8Array[] = [];
  const pic = new Float32Array(W * H * C);
  const scratchX = W * (0.2 + 0.6 * rand());
  const scratchGain = 0.2 + 0.1 * rand();
  // The previous frame's specks in picture coordinates.
  let lastSpecks: Speck[] = [];

  for (let f = 0; f < opts.frames; f++) {
    const off = offsets[f]!;
    renderPicture(pic, W, H, C, off, phase, chanGain, shapes);
    // Grain: mostly shared by the channels (luma grain), a little per dye layer.
    for (let p = 0; p < W * H; p++) {
      const g = normal() * sigma;
      for (let c = 0; c < C; c++) pic[p * C + c] = pic[p * C + c]! + (C === 1 ? g : 0.8 * g + 0.6 * sigma * normal());
    }
    const cleanFrame = quantize(pic, bits, maxV);
    const dirty = pic.slice();
    const mask = new Uint8Array(W * H);
    if (opts.damage) {
      const d = opts.damage;
      const placed: Speck[] = [];
      for (let s = 0; s < d.specksPerFrame; s++) {
        let sp = randomSpeck(W, H, rand, d.minRadius ?? 2, d.maxRadius ?? 12);
        for (let tries = 0; tries < 50 && d.separate !== false && overlaps(sp, off, lastSpecks); tries++) {
          sp = randomSpeck(W, H, rand, d.minRadius ?? 2, d.maxRadius ?? 12);
        }
        drawSpeck(dirty, mask, W, H, C, sp);
        placed.push({ ...sp, cx: sp.cx + off.x, cy: sp.cy + off.y });
      }
      lastSpecks = placed;
      if (d.scratch) addScratch(dirty, mask, W, H, C, scratchX + 0.15 * f, scratchGain * (0.8 + 0.4 * rand()));
    }
    const dirtyFrame = quantize(dirty, bits, maxV);
    // The mask must say exactly where the frames differ, so a sub-LSB edge is not counted as damage.
    for (let p = 0; p < W * H; p++) {
      if (mask[p] === 0) continue;
      let diff = false;
      for (let c = 0; c < C; c++) if (dirtyFrame[p * C + c] !== cleanFrame[p * C + c]) diff = true;
      if (!diff) mask[p] = 0;
    }
    clean.push(cleanFrame);
    damaged.push(dirtyFrame);
    masks.push(mask);
  }
  return { layout, clean, damaged, masks, offsets };
}

function renderPicture(
  pic: Float32Array,
  W: number,
  H: number,
  C: number,
  off: Vec,
  phase: number[],
  gain: number[],
  shapes: Shape[],
): void {
  const colA = new Float32Array(W);
  const colB = new Float32Array(W);
  const rowA = new Float32Array(H);
  const rowB = new Float32Array(H);
  for (let x = 0; x < W; x++) {
    const u = x + off.x;
    colA[x] = Math.sin((2 * Math.PI * u) / 37 + phase[0]!);
    colB[x] = Math.sin((2 * Math.PI * u) / 9 + phase[1]!);
  }
  for (let y = 0; y < H; y++) {
    const v = y + off.y;
    rowA[y] = Math.cos((2 * Math.PI * v) / 23 + phase[2]!);
    rowB[y] = Math.sin((2 * Math.PI * v) / 13 + phase[3]!);
  }
  for (let y = 0; y < H; y++) {
    const v = y + off.y;
    for (let x = 0; x < W; x++) {
      const u = x + off.x;
      const base = 0.35 + (0.2 * u) / W + (0.1 * v) / H;
      const tex = 0.08 * colA[x]! * rowA[y]! + 0.04 * colB[x]! * rowB[y]!;
      for (let c = 0; c < C; c++) pic[(y * W + x) * C + c] = base + gain[c]! * tex;
    }
  }
  for (const s of shapes) {
    const cx = s.cx - off.x;
    const cy = s.cy - off.y;
    const x0 = Math.max(0, Math.floor(cx - s.rx - 2));
    const x1 = Math.min(W - 1, Math.ceil(cx + s.rx + 2));
    const y0 = Math.max(0, Math.floor(cy - s.ry - 2));
    const y1 = Math.min(H - 1, Math.ceil(cy + s.ry + 2));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x - cx;
        const dy = y - cy;
        // Signed distance in pixels, approximate for ellipses, exact enough for a soft edge.
        const d = s.round
          ? (1 - Math.sqrt((dx * dx) / (s.rx * s.rx) + (dy * dy) / (s.ry * s.ry))) * Math.min(s.rx, s.ry)
          : Math.min(s.rx - Math.abs(dx), s.ry - Math.abs(dy));
        const a = coverage(d);
        if (a === 0) continue;
        for (let c = 0; c < C; c++) pic[(y * W + x) * C + c] = pic[(y * W + x) * C + c]! + a * s.value[c]!;
      }
    }
  }
  // Overlapping shapes could push past white or black; a soft knee keeps texture without clipping.
  for (let i = 0; i < pic.length; i++) pic[i] = 0.5 + 0.4 * Math.tanh((pic[i]! - 0.5) / 0.4);
}

interface Speck {
  cx: number;
  cy: number;
  r: number;
  aspect: number;
  angle: number;
  target: number;
}

function randomSpeck(W: number, H: number, rand: () => number, minR: number, maxR: number): Speck {
  const u = rand();
  const bright = rand() < 0.5;
  return {
    r: minR + (maxR - minR) * u * u,
    aspect: 0.6 + 0.4 * rand(),
    angle: rand() * Math.PI,
    cx: 2 + rand() * (W - 4),
    cy: 2 + rand() * (H - 4),
    target: bright ? 0.95 + 0.04 * rand() : 0.02 + 0.05 * rand(),
  };
}

/** Whether a speck (frame coordinates) comes within a few pixels of any of `others` (picture coordinates). */
function overlaps(sp: Speck, off: Vec, others: Speck[]): boolean {
  const x = sp.cx + off.x;
  const y = sp.cy + off.y;
  for (const o of others) {
    if (Math.hypot(o.cx - x, o.cy - y) < sp.r + o.r + 6) return true;
  }
  return false;
}

/** A soft elliptical dust speck or blotch, dark or bright, on this frame only. */
function drawSpeck(pic: Float32Array, mask: Uint8Array, W: number, H: number, C: number, sp: Speck): void {
  const { cx, cy, r, target } = sp;
  const ca = Math.cos(sp.angle);
  const sa = Math.sin(sp.angle);
  const rx = r;
  const ry = r * sp.aspect;
  const x0 = Math.max(0, Math.floor(cx - r - 2));
  const x1 = Math.min(W - 1, Math.ceil(cx + r + 2));
  const y0 = Math.max(0, Math.floor(cy - r - 2));
  const y1 = Math.min(H - 1, Math.ceil(cy + r + 2));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const a1 = dx * ca + dy * sa;
      const a2 = -dx * sa + dy * ca;
      const d = (1 - Math.sqrt((a1 * a1) / (rx * rx) + (a2 * a2) / (ry * ry))) * ry;
      const a = coverage(d);
      if (a === 0) continue;
      const p = y * W + x;
      for (let c = 0; c < C; c++) pic[p * C + c] = pic[p * C + c]! * (1 - a) + target * a;
      mask[p] = 255;
    }
  }
}

/** A thin bright vertical scratch about 1.5 px wide with a soft profile. */
function addScratch(pic: Float32Array, mask: Uint8Array, W: number, H: number, C: number, x: number, gain: number): void {
  const x0 = Math.max(0, Math.floor(x - 2));
  const x1 = Math.min(W - 1, Math.ceil(x + 2));
  for (let px = x0; px <= x1; px++) {
    const a = coverage(0.75 - Math.abs(px - x));
    if (a === 0) continue;
    for (let y = 0; y < H; y++) {
      const p = y * W + px;
      for (let c = 0; c < C; c++) pic[p * C + c] = pic[p * C + c]! + gain * a;
      mask[p] = 255;
    }
  }
}

function quantize(pic: Float32Array, bits: 8 | 16, maxV: number): Samples {
  const out = bits === 16 ? new Uint16Array(pic.length) : new Uint8Array(pic.length);
  for (let i = 0; i < pic.length; i++) {
    const v = Math.round(pic[i]! * maxV);
    out[i] = v < 0 ? 0 : v > maxV ? maxV : v;
  }
  return out;
}
