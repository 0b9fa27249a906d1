import { describe, expect, it } from 'vitest';
import { FILM_STOCKS, plateMarginFor, planFilmLook, samplePlate, type CameraPose } from './film-look.js';
import { makeFilmSequence } from './make-sequence.js';
import { DEFAULT_PLATE_MARGIN, plateSize, proceduralPlate } from './plates.js';
import { sampleRotatedPlate } from './sample-rotated.js';

type Pose = { x: number; y: number; scale: number; angle?: number };

describe("'fast-pan'", () => {
  it('moves 4-8 px/frame at 1K width, within a plate made big enough for it', async () => {
    for (const [W, H, N, seed] of [[256, 192, 12, 1], [512, 288, 8, 2], [320, 240, 24, 3], [1024, 768, 3, 4]] as const) {
      const s = await makeFilmSequence({ width: W, height: H, frames: N, channels: 1, bits: 8, seed, motion: 'fast-pan', damage: false, grain: 0 });
      const poses = s.meta.poses as Pose[];
      const first = poses[0]!;
      const last = poses[N - 1]!;
      // Mean speed over the shot (the weave's jitter averages out), in px/frame at 1K.
      const speed = (Math.hypot(last.x - first.x, last.y - first.y) / (N - 1)) * (1024 / W);
      expect(speed).toBeGreaterThan(3.9);
      expect(speed).toBeLessThan(8.1);
      // Mostly horizontal.
      expect(Math.abs(last.x - first.x)).toBeGreaterThan(2 * Math.abs(last.y - first.y));
      const plate = plateSize(W, H, plateMarginFor('fast-pan', W, H, N));
      for (const p of poses) {
        expect(p.x - W / 2).toBeGreaterThanOrEqual(1);
        expect(p.x + W / 2).toBeLessThanOrEqual(plate.width - 1);
        expect(p.y - H / 2).toBeGreaterThanOrEqual(1);
        expect(p.y + H / 2).toBeLessThanOrEqual(plate.height - 1);
      }
    }
  });

  it('leaves the original motions on the default plate margin', () => {
    for (const m of ['static', 'pan', 'zoom', 'weave'] as const) expect(plateMarginFor(m, 640, 480, 100)).toBe(DEFAULT_PLATE_MARGIN);
    expect(plateMarginFor('fast-pan', 640, 480, 48)).toBeGreaterThan(DEFAULT_PLATE_MARGIN);
  });
});

describe("'rotate'", () => {
  it('turns slowly (at most about half a degree per frame) and zooms in slightly', async () => {
    for (const seed of [1, 2, 3]) {
      const s = await makeFilmSequence({ width: 192, height: 144, frames: 10, channels: 3, bits: 16, seed, motion: 'rotate', damage: false });
      const poses = s.meta.poses as Pose[];
      const deg = poses.map((p) => ((p.angle ?? NaN) * 180) / Math.PI);
      for (let f = 1; f < 10; f++) {
        const step = Math.abs(deg[f]! - deg[f - 1]!);
        expect(step).toBeGreaterThan(0.05);
        expect(step).toBeLessThan(0.52);
      }
      expect(poses.every((p) => p.scale <= 1 && p.scale > 0.9)).toBe(true);
      expect(poses[9]!.scale).toBeLessThan(poses[0]!.scale);
    }
  });

  it('samples an unrotated pose like samplePlate, and a rotated one turned', () => {
    const plate = proceduralPlate({ width: 120, height: 90, channels: 3, seed: 5 });
    const pose: CameraPose = { x: 75.3, y: 56.1, scale: 0.97 };
    const a = samplePlate(plate, pose, 120, 90, 3);
    const b = sampleRotatedPlate(plate, { ...pose, angle: 0 }, 120, 90, 3);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-5);

    // A vertical bar on a flat plate shows up tilted: its x drifts with y by tan(angle).
    const W = 64;
    const H = 64;
    const bar = { width: 96, height: 96, channels: 1 as const, data: new Float32Array(96 * 96), source: 'bar' };
    for (let y = 0; y < 96; y++) for (let x = 47; x <= 48; x++) bar.data[y * 96 + x] = 1;
    const angle = (3 * Math.PI) / 180;
    const out = sampleRotatedPlate(bar, { x: 48, y: 48, scale: 1, angle }, W, H, 1);
    const centre = (y: number): number => {
      let s = 0;
      let m = 0;
      for (let x = 0; x < W; x++) {
        s += x * out[y * W + x]!;
        m += out[y * W + x]!;
      }
      return s / m;
    };
    const slope = (centre(56) - centre(8)) / 48;
    // Frame x = plate x rotated back: dx = tan(angle) * dy for a plate column.
    expect(slope).toBeCloseTo(Math.tan(angle), 2);
  });

  it('keeps every frame corner inside the plate, even a small one', () => {
    const plate = proceduralPlate({ width: 160, height: 120, channels: 1, seed: 1, margin: 1.06 });
    for (let seed = 1; seed <= 10; seed++) {
      const look = planFilmLook(plate, { width: 160, height: 120, channels: 1, frames: 30, seed, motion: 'rotate', grain: 0, flicker: 0, stock: FILM_STOCKS[0]! });
      for (const p of look.poses) {
        const ca = Math.cos(p.angle ?? 0) * p.scale;
        const sa = Math.sin(p.angle ?? 0) * p.scale;
        for (const [dx, dy] of [[-80, -60], [80, -60], [-80, 60], [80, 60]] as const) {
          const x = p.x + ca * dx - sa * dy;
          const y = p.y + sa * dx + ca * dy;
          expect(x >= 2 && y >= 2 && x <= plate.width - 2 && y <= plate.height - 2).toBe(true);
        }
      }
    }
  });
});
