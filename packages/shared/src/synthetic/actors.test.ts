import { describe, expect, it } from 'vitest';
import { actorBoxes, drawActors, figureSwing, planActors, type Actor, type ActorsPlan, type Figure } from './actors.js';
import { makeFilmSequence, type FilmSequenceOptions } from './make-sequence.js';
import { proceduralPlate } from './plates.js';

const W = 256;
const H = 192;
const plate = proceduralPlate({ width: W, height: H, channels: 1, seed: 4 });

/** Alpha of a plan's actors on film frame f: drawn over black and over white, out = bg * (1 - a) + premultiplied value. */
function alphaOf(plan: ActorsPlan, f: number): Float32Array {
  const black = new Float32Array(W * H);
  const white = new Float32Array(W * H).fill(1);
  drawActors(plan, plate, black, f);
  drawActors(plan, plate, white, f);
  return white.map((v, i) => 1 - (v - black[i]!));
}

function only(plan: ActorsPlan, kind: Actor['kind'], change: Partial<Actor> = {}): ActorsPlan {
  const a = plan.actors.find((x) => x.kind === kind);
  if (!a) throw new Error(`no ${kind}`);
  return { ...plan, actors: [{ ...a, ...change } as Actor] };
}

describe('planActors', () => {
  it('is deterministic and mixes figures, lines, cut-outs and blobs', () => {
    const o = { width: W, height: H, frames: 12, channels: 1 as const, count: 4, seed: 9, plate };
    expect(JSON.stringify(planActors(o))).toBe(JSON.stringify(planActors(o)));
    expect(new Set(planActors(o).actors.map((a) => a.kind))).toEqual(new Set(['figure', 'line', 'cutout', 'blob']));
    expect(planActors({ ...o, count: 0 }).actors).toHaveLength(0);
  });

  it('moves at most 8 px/frame at 1K width, and some actors enter, leave or cross another', () => {
    let edge = 0;
    let overlap = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const plan = planActors({ width: W, height: H, frames: 12, channels: 1, count: 3, seed, plate });
      for (const a of plan.actors) expect(Math.hypot(a.vx, a.vy)).toBeLessThanOrEqual((8 * W) / 1024 + 1e-9);
      const boxes = Array.from({ length: 12 }, (_, f) => actorBoxes(plan, plate, f));
      // Entering or leaving: a moving actor touches the frame edge on some frames, or is out of frame on some.
      const moving = plan.actors.map((a, i) => (a.kind === 'line' ? -1 : i)).filter((i) => i >= 0);
      if (moving.some((i) => boxes.some((b) => !b[i] || b[i]!.x0 === 0 || b[i]!.y0 === 0 || b[i]!.x1 === W - 1 || b[i]!.y1 === H - 1))) edge++;
      const meets = boxes.some((b) =>
        moving.some((i) => moving.some((j) => j > i && b[i] && b[j] && b[i]!.x0 < b[j]!.x1 && b[j]!.x0 < b[i]!.x1 && b[i]!.y0 < b[j]!.y1 && b[j]!.y0 < b[i]!.y1)),
      );
      if (meets) overlap++;
    }
    expect(edge).toBeGreaterThan(5);
    expect(overlap).toBeGreaterThan(3);
  });
});

describe('drawActors', () => {
  const plan = planActors({ width: W, height: H, frames: 12, channels: 1, count: 4, seed: 2, plate });

  it('swings a figure’s limbs: the head stays put while the legs change shape', () => {
    const fig = only(plan, 'figure', { x0: W / 2, y0: H * 0.6, vx: 0, vy: 0, bob: 0, blur: false } as Partial<Figure>);
    const a = fig.actors[0] as Figure & Actor;
    const t1 = (a.period / (2 * Math.PI)) * (Math.PI / 2 - a.phase);
    const t0 = t1 + a.period / 4;
    // t1: legs apart at the swing's extreme; t0: legs passing each other.
    expect(Math.abs(figureSwing(a, t1))).toBeGreaterThan(0.29);
    expect(Math.abs(figureSwing(a, t0))).toBeLessThan(1e-6);
    const A = alphaOf(fig, t0);
    const B = alphaOf(fig, t1);
    const hip = Math.round(a.y0);
    const headRows = [Math.round(a.y0 - 0.6 * a.h), Math.round(a.y0 - 0.45 * a.h)];
    let head = 0;
    let legs = 0;
    let legArea = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        const d = Math.abs(A[p]! - B[p]!);
        if (y >= headRows[0]! && y <= headRows[1]!) head = Math.max(head, d);
        if (y > hip + 0.1 * a.h) {
          legs += d;
          legArea += Math.max(A[p]!, B[p]!);
        }
      }
    }
    expect(head).toBeLessThan(1e-5);
    // A non-rigid change: much of the legs' area moved, though the figure stood still.
    expect(legs / legArea).toBeGreaterThan(0.5);
  });

  it('sways a line about its pivot: the tip moves, the base does not', () => {
    const line = only(plan, 'line', { blur: false });
    const a = line.actors[0]!;
    if (a.kind !== 'line') throw new Error('not a line');
    const half = a.period / 2;
    const A = alphaOf(line, 0);
    const B = alphaOf(line, half / 2);
    let diff = 0;
    for (let p = 0; p < A.length; p++) diff += Math.abs(A[p]! - B[p]!);
    expect(diff).toBeGreaterThan(5);
    // Thin: at most a few pixels of full coverage across.
    const row = Math.round(Math.min(H - 1, Math.max(0, a.y0 + 0.3 * a.length * Math.sin(a.angle))));
    let across = 0;
    for (let x = 0; x < W; x++) across += A[row * W + x]!;
    expect(across).toBeLessThan(4 + 4 * a.width);
  });

  it('blurs a blurred actor along its motion: more partly covered pixels than when sharp', () => {
    const fast = only(plan, 'cutout', { x0: W / 2, y0: H / 2, vx: 6, vy: 0, spin: 0 } as Partial<Actor>);
    const partial = (al: Float32Array): number => al.reduce((n, v) => n + (v > 0.05 && v < 0.95 ? 1 : 0), 0);
    const sharp = partial(alphaOf({ ...fast, actors: [{ ...fast.actors[0]!, blur: false }] }, 0));
    const blurred = partial(alphaOf({ ...fast, actors: [{ ...fast.actors[0]!, blur: true }] }, 0));
    expect(blurred).toBeGreaterThan(1.5 * sharp);
  });

  it('lets a nearer actor hide a farther one where they overlap', () => {
    const fig = only(plan, 'figure', { x0: W / 2, y0: H * 0.6, vx: 0, vy: 0, blur: false, z: 0 } as Partial<Figure>).actors[0]!;
    const blob = only(plan, 'blob', { x0: W / 2, y0: H * 0.45, vx: 0, vy: 0, blur: false, z: 1 } as Partial<Actor>).actors[0]!;
    const both = { ...plan, actors: [fig, blob] };
    const blobOnly = { ...plan, actors: [blob] };
    const a = new Float32Array(W * H).fill(0.5);
    const b = new Float32Array(W * H).fill(0.5);
    drawActors(both, plate, a, 0);
    drawActors(blobOnly, plate, b, 0);
    // Where the blob (in front) is opaque, the figure behind it does not show.
    const al = alphaOf(blobOnly, 0);
    let n = 0;
    for (let p = 0; p < al.length; p++) {
      if (al[p]! < 0.999) continue;
      n++;
      expect(Math.abs(a[p]! - b[p]!)).toBeLessThan(1e-5);
    }
    expect(n).toBeGreaterThan(100);
  });
});

describe('makeFilmSequence with actors', () => {
  const base: FilmSequenceOptions = { width: W, height: H, frames: 8, channels: 1, bits: 16, seed: 21, grain: 0, flicker: 0, damage: false };

  it('moves them over a still background on a static camera', async () => {
    const still = await makeFilmSequence({ ...base, motion: 'static' });
    const moving = await makeFilmSequence({ ...base, motion: 'static', actors: 3 });
    const boxes = (moving.meta.actorDetails as { boxes: (number[] | null)[] }[]).map((a) => a.boxes);
    for (let f = 1; f < 8; f++) {
      // Nothing but the actors changes from frame to frame...
      const a = still.clean[f]!;
      expect(Buffer.from(a.buffer).equals(Buffer.from(still.clean[0]!.buffer))).toBe(true);
      let changed = 0;
      let outside = 0;
      for (let p = 0; p < a.length; p++) {
        if (moving.clean[f]![p] === moving.clean[f - 1]![p]) continue;
        changed++;
        const x = p % W;
        const y = Math.floor(p / W);
        const inAny = boxes.some((b) => [b[f], b[f - 1]].some((r) => r && x >= r[0]! && x <= r[2]! && y >= r[1]! && y <= r[3]!));
        if (!inAny) outside++;
      }
      // ... and the actors do change it, inside the boxes meta reports.
      expect(changed).toBeGreaterThan(20);
      expect(outside).toBe(0);
    }
  });

  it('moves them by their own velocity, not the camera’s', async () => {
    const o: FilmSequenceOptions = { ...base, width: 512, height: 384, motion: 'pan', seed: 3 };
    const bg = await makeFilmSequence(o);
    const withActor = await makeFilmSequence({ ...o, actors: 1 });
    const det = (withActor.meta.actorDetails as { vx: number; vy: number; kind: string }[])[0]!;
    expect(det.kind).toBe('figure');
    const poses = bg.meta.poses as { x: number; y: number }[];
    const centroid = (f: number): [number, number] => {
      let n = 0;
      let sx = 0;
      let sy = 0;
      for (let p = 0; p < bg.clean[f]!.length; p++) {
        if (Math.abs(withActor.clean[f]![p]! - bg.clean[f]![p]!) < 2000) continue;
        n++;
        sx += p % 512;
        sy += Math.floor(p / 512);
      }
      return [sx / n, sy / n];
    };
    const [x0, y0] = centroid(0);
    const [x7, y7] = centroid(7);
    const own = [det.vx * 7, det.vy * 7];
    // Picture that belongs to the plate moves opposite to the camera.
    const camera = [-(poses[7]!.x - poses[0]!.x), -(poses[7]!.y - poses[0]!.y)];
    const apart = Math.hypot(own[0]! - camera[0]!, own[1]! - camera[1]!);
    expect(apart).toBeGreaterThan(6);
    // Within the change of shape of a walker (limbs, the bob of its step), it goes its own way.
    const err = Math.hypot(x7 - x0 - own[0]!, y7 - y0 - own[1]!);
    expect(err).toBeLessThan(4);
    expect(err).toBeLessThan(apart / 2);
  });
});
