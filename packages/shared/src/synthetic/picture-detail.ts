/**
 * Picture detail that looks like damage, painted into the plate so it moves with the camera like the rest
 * of the picture: wires, twigs and hair strands (thin curved lines that look like hairs and scratches),
 * speckled patches (gravel, foliage, stars, plaster cracks: dots that look like dust), sign lettering
 * (short sharp strokes), and vertical edges (door frames, poles: straight bars that look like line
 * scratches). A detector that judges by shape alone flags all of these; only their continuity from frame
 * to frame (they follow the camera, they are there in the neighbours) tells them from damage.
 */
import type { Plate } from './plates.js';
import { drawDot, drawPolyline, drawRect, type Canvas } from './raster.js';
import { gaussian, pick, rng, uniform, type Rand } from './random.js';
import { valueNoise } from './value-noise.js';

/** How much of each was painted, for seq.meta. */
export interface DetailCounts {
  lines: number;
  patches: number;
  signs: number;
  edges: number;
}

/**
 * A copy of the plate with detail painted in. `amount` 0..1 scales how much; `frameWidth` sets the size
 * of things (a wire is 1-3 px at any resolution up to 1K, proportionally wider above). Deterministic in
 * the seed; the plate passed in is not changed.
 */
export function paintPlateDetail(plate: Plate, amount: number, seed: number, frame: { width: number; height: number }): { plate: Plate; counts: DetailCounts } {
  const frameWidth = frame.width;
  const a = Math.max(0, Math.min(1, amount));
  const canvas: Canvas = { width: plate.width, height: plate.height, channels: plate.channels, data: plate.data.slice() };
  const counts: DetailCounts = { lines: 0, patches: 0, signs: 0, edges: 0 };
  if (a <= 0) return { plate: { ...plate, data: canvas.data }, counts };
  const rand = rng(seed, 'picture-detail');
  const px = Math.max(1, frameWidth / 1024);
  // The plate is bigger than the frame: scale counts by its area in frames, so a frame sees `amount`'s worth.
  const area = (plate.width * plate.height) / (frame.width * frame.height);
  const n = (base: number): number => Math.round(base * a * area + (rand() - 0.5));

  const edges = n(3.5);
  for (let i = 0; i < edges; i++) verticalEdge(canvas, rand, px);
  const patches = n(4);
  for (let i = 0; i < patches; i++) speckledPatch(canvas, rand, px, frameWidth);
  const signs = n(1.6);
  for (let i = 0; i < signs; i++) sign(canvas, rand, px, frameWidth);
  const lines = n(10);
  for (let i = 0; i < lines; i++) thinLine(canvas, rand, px, frameWidth);
  Object.assign(counts, { lines: Math.max(0, lines), patches: Math.max(0, patches), signs: Math.max(0, signs), edges: Math.max(0, edges) });
  return { plate: { ...plate, data: canvas.data }, counts };
}

/** Dark or bright, never pure: real picture detail sits inside the print's tone range. */
function tone(rand: Rand, bright: boolean): number {
  return bright ? uniform(rand, 0.78, 0.95) : uniform(rand, 0.04, 0.2);
}

/** A wire (a long sagging curve), a twig (a bent line with side shoots) or a hair strand (short and curly). */
function thinLine(c: Canvas, rand: Rand, px: number, fw: number): void {
  const kind = pick(rand, ['wire', 'wire', 'twig', 'twig', 'strand'] as const);
  const bright = rand() < (kind === 'strand' ? 0.5 : 0.25);
  const value = tone(rand, bright);
  const width = px * (kind === 'wire' ? uniform(rand, 1, 2) : kind === 'twig' ? uniform(rand, 1, 3) : uniform(rand, 0.8, 1.6));
  const opacity = uniform(rand, 0.45, 0.9);
  if (kind === 'wire') {
    // A catenary-like sag between two points far apart.
    const len = uniform(rand, 0.3, 1) * fw;
    const x0 = uniform(rand, -0.2, 1) * c.width;
    const y0 = rand() * c.height;
    const ang = uniform(rand, -0.5, 0.5) + (rand() < 0.15 ? Math.PI / 2 : 0);
    const sag = uniform(rand, 0, 0.08) * len;
    const pts: [number, number][] = [];
    const steps = 24;
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      pts.push([x0 + Math.cos(ang) * len * t, y0 + Math.sin(ang) * len * t + sag * 4 * t * (1 - t)]);
    }
    drawPolyline(c, pts, width, value, opacity);
    return;
  }
  const len = (kind === 'twig' ? uniform(rand, 0.05, 0.22) : uniform(rand, 0.03, 0.1)) * fw;
  const curl = kind === 'twig' ? 0.15 : 0.6;
  const pts = wander(rand, rand() * c.width, rand() * c.height, rand() * 2 * Math.PI, len, curl, 16);
  drawPolyline(c, pts, width, value, opacity);
  if (kind === 'twig') {
    const shoots = Math.floor(rand() * 3);
    for (let k = 0; k < shoots; k++) {
      const [sx, sy] = pts[4 + Math.floor(rand() * (pts.length - 5))]!;
      drawPolyline(c, wander(rand, sx, sy, rand() * 2 * Math.PI, len * uniform(rand, 0.2, 0.5), curl, 6), width * 0.7, value, opacity);
    }
  }
}

/** A random-walk polyline: heading changes by up to `curl` radians per step. */
function wander(rand: Rand, x: number, y: number, heading: number, len: number, curl: number, steps: number): [number, number][] {
  const pts: [number, number][] = [[x, y]];
  const step = len / steps;
  let h = heading;
  let cx = x;
  let cy = y;
  let turn = 0;
  for (let s = 0; s < steps; s++) {
    // Smooth bending: the turn rate itself drifts, so curves are arcs, not zigzags.
    turn = 0.6 * turn + uniform(rand, -curl, curl);
    h += turn * 0.5;
    cx += Math.cos(h) * step;
    cy += Math.sin(h) * step;
    pts.push([cx, cy]);
  }
  return pts;
}

/** A patch of gravel, foliage, stars or cracked plaster, fading out at its rim. */
function speckledPatch(c: Canvas, rand: Rand, px: number, fw: number): void {
  const kind = pick(rand, ['gravel', 'foliage', 'stars', 'cracks'] as const);
  const cx = rand() * c.width;
  const cy = rand() * c.height;
  const rx = uniform(rand, 0.05, 0.14) * fw;
  const ry = rx * uniform(rand, 0.5, 1.2);
  const inside = (x: number, y: number): number => {
    const d = Math.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2);
    return d >= 1 ? 0 : 1 - d * d;
  };
  const randomPoint = (): [number, number] => {
    const t = rand() * 2 * Math.PI;
    const r = Math.sqrt(rand());
    return [cx + Math.cos(t) * r * rx, cy + Math.sin(t) * r * ry];
  };
  const area = Math.PI * rx * ry;
  if (kind === 'stars') {
    // A night sky: darken the patch smoothly, then prick it with small bright points.
    const depth = uniform(rand, 0.5, 0.85);
    const sky = uniform(rand, 0.03, 0.12);
    const x0 = Math.max(0, Math.floor(cx - rx));
    const x1 = Math.min(c.width - 1, Math.ceil(cx + rx));
    const y0 = Math.max(0, Math.floor(cy - ry));
    const y1 = Math.min(c.height - 1, Math.ceil(cy + ry));
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      const w = inside(x + 0.5, y + 0.5);
      if (w > 0) blend(c, y * c.width + x, depth * Math.min(1, 2 * w), sky);
    }
    const count = Math.round((area / (px * px * 220)) * uniform(rand, 0.6, 1.4));
    for (let k = 0; k < count; k++) {
      const [x, y] = randomPoint();
      drawDot(c, x, y, px * uniform(rand, 0.35, 1.1), uniform(rand, 0.75, 0.98), uniform(rand, 0.5, 1) * Math.min(1, 2 * inside(x, y)));
    }
    return;
  }
  if (kind === 'cracks') {
    const count = 2 + Math.floor(rand() * 5);
    const value = tone(rand, false);
    for (let k = 0; k < count; k++) {
      const [x, y] = randomPoint();
      const pts = wander(rand, x, y, rand() * 2 * Math.PI, uniform(rand, 0.4, 1.2) * rx, 0.5, 14);
      drawPolyline(c, pts, px * uniform(rand, 0.7, 1.3), value, uniform(rand, 0.35, 0.75));
      if (rand() < 0.6) {
        const [bx, by] = pts[Math.floor(pts.length / 2)]!;
        drawPolyline(c, wander(rand, bx, by, rand() * 2 * Math.PI, 0.4 * rx, 0.5, 8), px * 0.8, value, uniform(rand, 0.3, 0.6));
      }
    }
    return;
  }
  const gravel = kind === 'gravel';
  const density = gravel ? uniform(rand, 1 / 40, 1 / 15) : uniform(rand, 1 / 60, 1 / 25);
  const count = Math.min(4000, Math.round((area * density) / (px * px)));
  const brightShare = gravel ? 0.5 : 0.25;
  const shade = valueNoise(Math.floor(rand() * 2 ** 31));
  for (let k = 0; k < count; k++) {
    const [x, y] = randomPoint();
    const bright = rand() < brightShare;
    const r = px * (gravel ? uniform(rand, 0.5, 1.6) : uniform(rand, 0.8, 2.6));
    // Foliage clumps: dots are stronger where a smooth field says leaves are.
    const clump = gravel ? 1 : Math.max(0, 2 * shade(x / (6 * px), y / (6 * px)) - 0.4);
    const op = uniform(rand, 0.3, 0.75) * Math.min(1, 1.5 * inside(x, y)) * clump;
    if (op > 0.02) drawDot(c, x, y, r, tone(rand, bright), op);
  }
}

/** Block letters (3 x 5 cells) made of rectangles: the strokes of signs, posters and intertitles. */
const GLYPHS: readonly (readonly (readonly [number, number, number, number])[])[] = [
  [[0, 0, 1, 5], [0, 0, 3, 1], [0, 2, 2, 1], [0, 4, 3, 1]], // E
  [[0, 0, 1, 5], [0, 0, 3, 1], [0, 2, 2, 1]], // F
  [[0, 0, 1, 5], [2, 0, 1, 5], [0, 2, 3, 1]], // H
  [[1, 0, 1, 5], [0, 0, 3, 1], [0, 4, 3, 1]], // I
  [[0, 0, 1, 5], [0, 4, 3, 1]], // L
  [[0, 0, 3, 1], [1, 0, 1, 5]], // T
  [[0, 0, 1, 5], [2, 0, 1, 5], [0, 4, 3, 1]], // U
  [[0, 0, 1, 5], [2, 0, 1, 5], [0, 0, 3, 1], [0, 4, 3, 1]], // O
  [[0, 0, 1, 5], [0, 0, 3, 1], [0, 4, 3, 1]], // C
  [[0, 0, 1, 5], [0, 0, 3, 1], [2, 0, 1, 3], [0, 2, 3, 1]], // P
  [[0, 0, 1, 5], [2, 0, 1, 5], [0, 0, 3, 1], [0, 2, 3, 1]], // A
  [[0, 0, 3, 1], [0, 0, 1, 3], [0, 2, 3, 1], [2, 2, 1, 3], [0, 4, 3, 1]], // S
];

/** A sign board with one or two lines of block lettering. */
function sign(c: Canvas, rand: Rand, px: number, fw: number): void {
  const letterH = uniform(rand, 8, 20) * px * Math.max(0.6, fw / 1024);
  const cell = letterH / 5;
  const lines = rand() < 0.35 ? 2 : 1;
  const letters = 3 + Math.floor(rand() * 6);
  const pitch = cell * 4;
  const boardW = letters * pitch + 2 * cell;
  const boardH = lines * (letterH + 2 * cell) + 2 * cell;
  const x0 = rand() * Math.max(1, c.width - boardW);
  const y0 = rand() * Math.max(1, c.height - boardH);
  const darkBoard = rand() < 0.5;
  const ink = darkBoard ? uniform(rand, 0.75, 0.92) : uniform(rand, 0.05, 0.18);
  if (rand() < 0.8) drawRect(c, x0, y0, boardW, boardH, darkBoard ? uniform(rand, 0.08, 0.25) : uniform(rand, 0.6, 0.85), uniform(rand, 0.6, 0.9), 0.7);
  const opacity = uniform(rand, 0.7, 0.95);
  for (let l = 0; l < lines; l++) {
    const n = l === 0 ? letters : Math.max(2, letters - Math.floor(rand() * 3));
    for (let i = 0; i < n; i++) {
      const g = GLYPHS[Math.floor(rand() * GLYPHS.length)]!;
      const gx = x0 + cell + i * pitch;
      const gy = y0 + cell + l * (letterH + 2 * cell) + cell;
      for (const [rx, ry, rw, rh] of g) drawRect(c, gx + rx * cell, gy + ry * cell, rw * cell, rh * cell, ink, opacity, 0.5);
    }
  }
}

/**
 * A door frame, pole or wall edge: a straight vertical bar 2-6 px wide over much of the height, with a
 * rounded profile (lit on one side) and a slow unevenness along it, so texture continues across it as
 * picture does (a scratch's profile is the same all along).
 */
function verticalEdge(c: Canvas, rand: Rand, px: number): void {
  const x = rand() * c.width;
  const width = px * uniform(rand, 2, 6);
  const span = uniform(rand, 0.5, 1) * c.height;
  const top = rand() * (c.height - span);
  // Lighter or darker than what is behind it, by a share of the way to white or black: a painted pole
  // against a wall, a door frame in shadow, not a flat stripe of one value.
  const bright = rand() < 0.4;
  const amount = uniform(rand, 0.3, 0.75);
  const along = valueNoise(Math.floor(rand() * 2 ** 31));
  const lit = 0.3 * gaussian(rand)();
  const half = width / 2;
  const xa = Math.max(0, Math.floor(x - half - 2));
  const xb = Math.min(c.width - 1, Math.ceil(x + half + 2));
  const ya = Math.max(0, Math.floor(top));
  const yb = Math.min(c.height - 1, Math.ceil(top + span));
  for (let y = ya; y <= yb; y++) {
    const ends = Math.min(1, (y - top) / 3, (top + span - y) / 3);
    if (ends <= 0) continue;
    const var_ = 0.75 + 0.5 * along(y / 30, x / 50);
    for (let xx = xa; xx <= xb; xx++) {
      const d = xx + 0.5 - x;
      const cover = Math.min(1, Math.max(0, half + 0.6 - Math.abs(d)) / 1.2);
      if (cover <= 0) continue;
      // A cylinder's shading: one side lit, the other in shade.
      const k = Math.max(0, Math.min(1, amount * var_ * (1 + lit * (d / Math.max(half, 0.5)))));
      blend(c, y * c.width + xx, Math.min(1, cover * ends * k), bright ? 0.95 : 0.04);
    }
  }
}

function blend(c: Canvas, p: number, a: number, v: number): void {
  const i = p * c.channels;
  for (let k = 0; k < c.channels; k++) c.data[i + k] = c.data[i + k]! + a * (v - c.data[i + k]!);
}
