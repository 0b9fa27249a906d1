import { describe, expect, it } from 'vitest';
import { fillNormal } from '../synthetic/random.js';
import { texturedPicture } from './textured-picture.testkit.js';
import { countMask } from './morphology.js';
import { alignWindow, withFurtherWitness } from './align-window.js';
import { gateDamage } from './temporal-gate.js';

const W = 160;
const H = 120;

/** The test picture seen through a camera at (cx, cy), with fresh grain per frame. */
const picture = (cx: number, cy: number, seed: number) => texturedPicture({ width: W, height: H, cx, cy, seed });

/** Paints a soft disc of `value` at (x, y) with radius r. */
function disc(img: Float32Array, x: number, y: number, r: number, value: number): void {
  for (let yy = Math.floor(y - r - 1); yy <= y + r + 1; yy++) {
    for (let xx = Math.floor(x - r - 1); xx <= x + r + 1; xx++) {
      if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
      const d = Math.hypot(xx - x, yy - y);
      const a = d <= r ? 1 : d <= r + 1 ? r + 1 - d : 0;
      img[yy * W + xx] = img[yy * W + xx]! * (1 - a) + value * a;
    }
  }
}

/** The proposal: a disc's pixels (what a segmenter would flag). */
function discMask(x: number, y: number, r: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let yy = 0; yy < H; yy++) for (let xx = 0; xx < W; xx++) if (Math.hypot(xx - x, yy - y) <= r + 0.5) m[yy * W + xx] = 255;
  return m;
}

/**
 * Paints `count` bright strokes `length` px down into `frame` (w wide), drifting `slant` px right per row,
 * the i-th from `at(i)`; returns them as the proposal a segmenter would make.
 */
function strokes(frame: Float32Array, w: number, count: number, length: number, slant: number, at: (i: number) => [number, number]): Uint8Array {
  const mask = new Uint8Array(frame.length);
  for (let i = 0; i < count; i++) {
    const [x0, y0] = at(i);
    for (let k = 0; k < length; k++) {
      const p = (y0 + k) * w + x0 + Math.round(k * slant);
      frame[p] = 0.9;
      mask[p] = 255;
    }
  }
  return mask;
}

/** Where the i-th of the rain tests' drops starts at 160 x 120: spread over the frame. */
const dropAt = (i: number): [number, number] => [12 + ((i * 37) % 130), 10 + ((i * 29) % 90)];

/** Five frames of a pan by (dx, dy) per frame. */
function pan(dx: number, dy: number, seed = 1): Float32Array[] {
  return [-2, -1, 0, 1, 2].map((k) => picture(40 + k * dx, 30 + k * dy, seed * 100 + k + 2));
}

/**
 * A still shot with a dark figure striding 12 px a frame to the right, its body above its leg; the proposal
 * is the centre frame's leg (what a segmenter might flag).
 */
function walkingFigure(): { frames: Float32Array[]; proposal: Uint8Array } {
  const frames = pan(0, 0);
  const leg = (i: number) => (x: number, y: number) => x >= 70 + 12 * (i - 2) && x < 78 + 12 * (i - 2) && y >= 50 && y < 100;
  const body = (i: number) => (x: number, y: number) => x >= 62 + 12 * (i - 2) && x < 86 + 12 * (i - 2) && y >= 20 && y < 50;
  frames.forEach((f, i) => {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (leg(i)(x, y) || body(i)(x, y)) f[y * W + x] = 0.06 + 0.01 * Math.sin(x + y);
  });
  const proposal = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (leg(2)(x, y)) proposal[y * W + x] = 255;
  return { frames, proposal };
}

/** Every pixel of `inner` is in `outer`. */
const covers = (outer: Uint8Array, inner: Uint8Array) => inner.every((v, i) => v === 0 || outer[i] !== 0);

const kept = (mask: Uint8Array, lumas: (Float32Array | null)[], prob?: Float32Array) => countMask(gateDamage(mask, alignWindow(lumas, W, H), { prob: prob ?? null }).mask);

describe('gateDamage', () => {
  it('keeps dust on one frame of a panning shot', () => {
    const frames = pan(2, 1);
    disc(frames[2]!, 80, 60, 3, 0.05);
    const mask = discMask(80, 60, 3);
    const out = gateDamage(mask, alignWindow(frames, W, H)).mask;
    expect(covers(out, mask)).toBe(true);
    // Its soft edge too, but nothing beyond the pixels the speck touched.
    expect(covers(discMask(80, 60, 4), out)).toBe(true);
  });

  it('drops an object that moves on its own: it is found in the neighbours, away from the camera vector', () => {
    const frames = pan(2, 0);
    // A dark ball crossing the frame at 4 px a frame against the background (25 px a frame at 1K).
    frames.forEach((f, i) => disc(f, 62 + 4 * i, 60, 4, 0.08));
    const g = gateDamage(discMask(70, 60, 4), alignWindow(frames, W, H));
    expect(countMask(g.mask)).toBe(0);
    expect(g.verdicts.present).toBe(1);
  });

  it('drops picture detail that moves with the camera (a dark seed in the picture)', () => {
    const frames = [-2, -1, 0, 1, 2].map((k) => {
      const f = picture(40 + 2 * k, 30, 7 + k);
      disc(f, 90 - 2 * k, 50, 2, 0.05);
      return f;
    });
    expect(kept(discMask(90, 50, 2), frames)).toBe(0);
  });

  it('protects a region where the aligned neighbours disagree (water, flames, leaves: motion compensation fails)', () => {
    const frames = pan(1, 1);
    disc(frames[2]!, 80, 60, 3, 0.05);
    // In every neighbour the spot shows different shimmering texture, at the camera's vector (frame t+k
    // sits k px further on): no two of them show the same thing there, while around it they agree.
    frames.forEach((f, i) => {
      if (i === 2) return;
      const k = i - 2;
      const noise = new Float32Array(W * H);
      fillNormal(noise, 900 + i);
      for (let y = 55; y <= 65; y++) for (let x = 75; x <= 85; x++) f[(y - k) * W + x - k] = 0.5 + 0.25 * noise[y * W + x]!;
    });
    const g = gateDamage(discMask(80, 60, 3), alignWindow(frames, W, H));
    expect(countMask(g.mask)).toBe(0);
  });

  it('keeps a scratch that stays put while the picture moves sideways under it, and drops a pole that moves with the picture', () => {
    const frames = pan(3, 0);
    const line = (f: Float32Array, x: number, v: number) => {
      for (let y = 5; y < H - 5; y++) f[y * W + x] = v;
    };
    frames.forEach((f) => line(f, 100, 0.95));
    frames.forEach((f, i) => line(f, 50 - 3 * (i - 2), 0.05));
    const mask = (x: number) => {
      const m = new Uint8Array(W * H);
      for (let y = 5; y < H - 5; y++) m[y * W + x] = 255;
      return m;
    };
    const scratch = gateDamage(mask(100), alignWindow(frames, W, H));
    expect(scratch.verdicts.scratch).toBe(1);
    const pole = gateDamage(mask(50), alignWindow(frames, W, H));
    expect(countMask(pole.mask)).toBe(0);
  });

  it('repaints a scratch along its whole length where the segmenter flagged only its upper half, and stops where it ends', () => {
    // The scratch runs from row 5 to row 90 and stays in the frame while the picture pans under it.
    const frames = pan(3, 0);
    frames.forEach((f) => {
      for (let y = 5; y < 90; y++) f[y * W + 100] = 0.9;
    });
    const upper = new Uint8Array(W * H);
    for (let y = 5; y < 45; y++) upper[y * W + 100] = 255;
    const g = gateDamage(upper, alignWindow(frames, W, H));
    expect(g.verdicts.scratch).toBe(1);
    const rows = (y0: number, y1: number) => Array.from({ length: y1 - y0 }, (_, k) => g.mask[(y0 + k) * W + 100]).filter((v) => v !== 0).length;
    expect(rows(45, 90)).toBeGreaterThan(40);
    expect(rows(90, H)).toBe(0);
  });

  it('judges a blotch on a scratch apart from the scratch: the line every neighbour holds does not speak for the blotch', () => {
    const frames = pan(3, 0);
    for (const f of frames) for (let y = 5; y < H - 5; y++) f[y * W + 100] = 0.95;
    disc(frames[2]!, 106, 40, 6, 0.05);
    const blotch = discMask(106, 40, 6);
    const proposal = blotch.slice();
    for (let y = 5; y < H - 5; y++) proposal[y * W + 100] = 255;
    const g = gateDamage(proposal, alignWindow(frames, W, H));
    expect(g.verdicts.scratch).toBeGreaterThanOrEqual(1);
    // The blotch (less its overlap with the line) is repainted, not left as picture the line vouched for.
    let blotchKept = 0;
    for (let i = 0; i < blotch.length; i++) if (blotch[i] && g.mask[i]) blotchKept++;
    expect(blotchKept).toBeGreaterThan(0.8 * countMask(blotch));
  });

  it('leaves a walking figure alone in a still shot, though both neighbours show the ground where its leg was', () => {
    // The figure strides 12 px a frame, further than the gate's usual search: only its surroundings
    // moving with it and its leg found where it went tell it from a dark blotch.
    const { frames, proposal } = walkingFigure();
    const g = gateDamage(proposal, alignWindow(frames, W, H));
    expect(g.verdicts.moving).toBe(1);
    expect(countMask(g.mask)).toBe(0);
  });

  it('repaints a large faint blotch on textured picture under a zoom, where one vector cannot align its surroundings', () => {
    const [w, h] = [320, 240];
    const frames = [-2, -1, 0, 1, 2].map((k) => texturedPicture({ width: w, height: h, cx: 0, cy: 0, seed: 40 + k, zoom: 1 + 0.04 * k }));
    const blotch = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (Math.hypot(x - 240, y - 170) > 45) continue;
        blotch[y * w + x] = 255;
        frames[2]![y * w + x] = frames[2]![y * w + x]! - 0.09;
      }
    }
    const g = gateDamage(blotch, alignWindow(frames, w, h));
    expect(g.verdicts.damage).toBe(1);
    expect(countMask(g.mask)).toBeGreaterThan(0.8 * countMask(blotch));
  });

  it('repaints a faint white blotch over sharp lettering under a zoom, where the neighbours agree only read between pixels', () => {
    const [w, h] = [320, 240];
    const frames = [-2, -1, 0, 1, 2].map((k) => texturedPicture({ width: w, height: h, cx: 0, cy: 0, seed: 60 + k, zoom: 1 + 0.03 * k, pattern: 2 }));
    // Half-transparent white: over the dark strokes it lifts them most.
    const blotch = new Uint8Array(w * h);
    for (let y = 200; y < 228; y++) {
      for (let x = 200; x < 290; x++) {
        blotch[y * w + x] = 255;
        frames[2]![y * w + x] = frames[2]![y * w + x]! + 0.3 * (1 - frames[2]![y * w + x]!);
      }
    }
    const g = gateDamage(blotch, alignWindow(frames, w, h));
    expect(g.verdicts.damage).toBe(1);
    expect(countMask(g.mask)).toBeGreaterThan(0.8 * countMask(blotch));
  });

  it('skips a repeated neighbour, which would confirm the damage, and still finds the dust', () => {
    const frames = pan(2, 1);
    disc(frames[2]!, 80, 60, 3, 0.05);
    frames[3] = frames[2]!.slice();
    const g = gateDamage(discMask(80, 60, 3), alignWindow(frames, W, H));
    expect(g.witnesses).toBe(3);
    expect(countMask(g.mask)).toBeGreaterThan(0);
  });

  it('leaves a change in the picture beside a repeat alone: the film frame past the twin holds it', () => {
    // A light goes on at the centre and stays on; the next frame is the centre scanned twice (telecine),
    // so the frame after it is the only later film frame the window holds.
    const frames = pan(2, 1);
    disc(frames[2]!, 80, 60, 4, 0.9);
    frames[3] = frames[2]!.slice();
    // The camera pans 2 px right and 1 down a frame: two frames on, the picture sits 4 px left, 2 up.
    disc(frames[4]!, 76, 58, 4, 0.9);
    const g = gateDamage(discMask(80, 60, 4), alignWindow(frames, W, H));
    expect(g.witnesses).toBe(3);
    expect(g.verdicts.present).toBe(1);
    expect(countMask(g.mask)).toBe(0);
    // Dust on the centre, which its twin carries and the later film frame does not, is still repainted.
    const dust = pan(2, 1);
    disc(dust[2]!, 80, 60, 4, 0.9);
    dust[3] = dust[2]!.slice();
    expect(gateDamage(discMask(80, 60, 4), alignWindow(dust, W, H)).verdicts.damage).toBe(1);
  });

  it('repaints a white blotch over the bottom gate band, though bright picture a few pixels up looks like it', () => {
    // A slow pan over bright, faintly textured picture above a dark band along the bottom of the frame; the
    // blotch lies mostly on the picture, its lower part on the band. Moved up into the picture, its flat
    // white matches well enough for the neighbours to seem to hold it, but its surroundings stayed where
    // the camera took them: a look-alike, not the blotch moving on its own.
    const frames = pan(1, 0);
    frames.forEach((f, i) => {
      for (let y = 60; y < H; y++) for (let x = 0; x < W; x++) f[y * W + x] = y >= 112 ? 0.08 + 0.012 * Math.sin(x * 7 + y * 3 + i) : 0.75 + 0.09 * (f[y * W + x]! - 0.5);
    });
    const blotch = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (((x - 80) / 20) ** 2 + ((y - 120) / 22) ** 2 > 1) continue;
        frames[2]![y * W + x] = 0.85 + 0.012 * Math.sin(x * 3 + y * 5);
        blotch[y * W + x] = 255;
      }
    }
    const g = gateDamage(blotch, alignWindow(frames, W, H));
    expect(g.verdicts.damage).toBe(1);
    expect(countMask(g.mask)).toBeGreaterThan(0.8 * countMask(blotch));
  });

  it('repaints a sure speck that only one neighbour can witness, the others changed all around it', () => {
    // Three neighbours show other picture around the speck (something passed in front of it there): they
    // cannot say what lies under it, and one neighbour alone must do, with the segmenter sure.
    const frames = pan(0, 0);
    const other = picture(90, 70, 9);
    for (const k of [0, 1, 3]) for (let y = 40; y < 80; y++) for (let x = 60; x < 100; x++) frames[k]![y * W + x] = other[y * W + x]!;
    disc(frames[2]!, 80, 60, 3, 0.95);
    const speck = discMask(80, 60, 3);
    const sure = new Float32Array(W * H).fill(0.95);
    const g = gateDamage(speck, alignWindow(frames, W, H), { prob: sure });
    expect(g.verdicts.damage).toBe(1);
    expect(covers(g.mask, speck)).toBe(true);
    expect(countMask(gateDamage(speck, alignWindow(frames, W, H), { prob: new Float32Array(W * H).fill(0.6) }).mask)).toBe(0);
  });

  it('leaves a walking figure alone on the last frame of a shot, where one earlier frame is all that witnesses its leg', () => {
    const { frames, proposal } = walkingFigure();
    // Two frames back something else passed there: that frame cannot say what lies under the leg.
    const other = picture(90, 70, 9);
    for (let y = 10; y < 110; y++) for (let x = 40; x < 110; x++) frames[0]![y * W + x] = other[y * W + x]!;
    const sure = new Float32Array(W * H).fill(0.95);
    const g = gateDamage(proposal, alignWindow([frames[0]!, frames[1]!, frames[2]!, null, null], W, H), { prob: sure });
    expect(g.verdicts.moving).toBe(1);
    expect(countMask(g.mask)).toBe(0);
  });

  it("leaves a walking figure alone on a shot's first frame, where its leg swings to another angle in every later frame", () => {
    const frames = pan(0, 0);
    // The body strides 12 px a frame; the leg hangs straight at first, then slants: nothing shaped like
    // the first frame's leg is found in the later ones.
    const slant = [0, 0, 0, 0.5, 0.8];
    frames.forEach((f, i) => {
      const x0 = 70 + 12 * (i - 2);
      for (let y = 20; y < 100; y++) {
        for (let x = 0; x < W; x++) {
          const body = y < 50 && x >= x0 - 8 && x < x0 + 16;
          const lx = x0 - slant[i]! * (y - 50);
          if (body || (y >= 50 && x >= lx && x < lx + 8)) f[y * W + x] = 0.06 + 0.01 * Math.sin(x + y);
        }
      }
    });
    const proposal = new Uint8Array(W * H);
    for (let y = 50; y < 100; y++) for (let x = 70; x < 78; x++) proposal[y * W + x] = 255;
    const g = gateDamage(proposal, alignWindow([null, null, frames[2]!, frames[3]!, frames[4]!], W, H), { prob: new Float32Array(W * H).fill(0.95) });
    expect(g.verdicts.moving).toBe(1);
    expect(countMask(g.mask)).toBe(0);
  });

  it('with no neighbour at all keeps only small, certain, high-contrast regions', () => {
    const centre = picture(40, 30, 3);
    disc(centre, 80, 60, 3, 0.02);
    const big = discMask(30, 30, 20);
    const both = discMask(80, 60, 3);
    for (let i = 0; i < big.length; i++) both[i] = both[i]! | big[i]!;
    const sure = new Float32Array(W * H).fill(0.95);
    const g = gateDamage(both, alignWindow([null, null, centre, null, null], W, H), { prob: sure });
    expect(g.witnesses).toBe(0);
    // The speck stays; the large region (a face, a wall) is never repainted on the network's word alone.
    expect(countMask(g.mask)).toBe(countMask(discMask(80, 60, 3)));
    expect(countMask(gateDamage(both, alignWindow([null, null, centre, null, null], W, H), { prob: new Float32Array(W * H).fill(0.6) }).mask)).toBe(0);
  });

  it('cancels flicker: a brighter centre frame alone is no damage', () => {
    const frames = pan(1, 0);
    for (let i = 0; i < frames[2]!.length; i++) frames[2]![i] = frames[2]![i]! * 1.15 + 0.03;
    expect(kept(discMask(80, 60, 5), frames)).toBe(0);
  });

  it('leaves a flickering band along the frame edge alone (a gate edge, not damage)', () => {
    const frames = pan(1, 0);
    frames.forEach((f, i) => {
      for (let y = 0; y < H; y++) for (let x = W - 3; x < W; x++) f[y * W + x] = i === 2 ? 0.02 : 0.3;
    });
    const band = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = W - 3; x < W; x++) band[y * W + x] = 255;
    const g = gateDamage(band, alignWindow(frames, W, H));
    expect(g.verdicts.border).toBe(1);
    expect(countMask(g.mask)).toBe(0);
  });

  it('leaves a bright border drawn round the whole picture alone, though it is one region along every side', () => {
    const frames = pan(1, 0);
    const band = new Uint8Array(W * H);
    frames.forEach((f, i) => {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if (x >= 4 && x < W - 4 && y >= 4 && y < H - 4) continue;
          // The gate's inner edge weaves: the centre's border is a pixel wider than its neighbours'.
          const inner = x >= 5 && x < W - 5 && y >= 5 && y < H - 5;
          if (inner && i !== 2) continue;
          f[y * W + x] = 0.97;
          if (i === 2) band[y * W + x] = 255;
        }
      }
    });
    const g = gateDamage(band, alignWindow(frames, W, H));
    expect(g.verdicts.border).toBe(1);
    expect(countMask(g.mask)).toBe(0);
  });

  it('leaves a wide, slight change of brightness alone (the film density varying), but not a dark blotch of the same size', () => {
    const frames = pan(1, 0);
    const wide = discMask(80, 60, 30);
    const lighter = frames[2]!.slice();
    for (let i = 0; i < wide.length; i++) if (wide[i]) lighter[i] = lighter[i]! + 0.04;
    const g = gateDamage(wide, alignWindow([frames[0]!, frames[1]!, lighter, frames[3]!, frames[4]!], W, H));
    expect(g.verdicts.flicker).toBe(1);
    expect(countMask(g.mask)).toBe(0);
    const blotched = frames[2]!.slice();
    for (let i = 0; i < wide.length; i++) if (wide[i]) blotched[i] = 0.05;
    expect(countMask(gateDamage(wide, alignWindow([frames[0]!, frames[1]!, blotched, frames[3]!, frames[4]!], W, H)).mask)).toBe(countMask(wide));
  });

  it('repaints a speck without the rim of picture the segmenter drew around it', () => {
    const frames = pan(2, 1);
    disc(frames[2]!, 80, 60, 3, 0.05);
    const g = gateDamage(discMask(80, 60, 6), alignWindow(frames, W, H));
    expect(countMask(g.mask)).toBeGreaterThanOrEqual(countMask(discMask(80, 60, 3)));
    expect(countMask(g.mask)).toBeLessThanOrEqual(countMask(discMask(80, 60, 4)));
  });

  it('repaints the soft edge of a speck that the segmenter left out, and no picture beyond it', () => {
    const frames = pan(2, 1);
    disc(frames[2]!, 80, 60, 4, 0.05);
    const g = gateDamage(discMask(80, 60, 2), alignWindow(frames, W, H));
    // The speck's solid part and most of its anti-aliased edge (pixels at r + 0.5 cover half of it).
    expect(covers(g.mask, discMask(80, 60, 3))).toBe(true);
    expect(covers(discMask(80, 60, 5), g.mask)).toBe(true);
  });

  it('repaints a faint halo around a speck where the segmenter leans towards damage, and not where it does not', () => {
    const frames = pan(2, 1);
    // A faint speck (0.15 darker than the picture) with a halo darker by 0.04: under three noises of the
    // grain, over one.
    const proposal = discMask(80, 60, 3);
    const halo = discMask(80, 60, 4).map((v, p) => v & ~proposal[p]!);
    frames[2]!.forEach((_, p) => (frames[2]![p]! -= proposal[p] ? 0.15 : halo[p] ? 0.04 : 0));
    const probWith = (onHalo: number) => Float32Array.from(proposal, (v, p) => (v ? 0.95 : halo[p] ? onHalo : 0));
    const haloKept = (onHalo: number) => {
      const out = gateDamage(proposal, alignWindow(frames, W, H), { prob: probWith(onHalo) }).mask;
      expect(covers(discMask(80, 60, 5), out)).toBe(true);
      return countMask(out.map((v, p) => v & halo[p]!)) / countMask(halo);
    };
    expect(haloKept(0.3)).toBeGreaterThan(0.75);
    // Three noises of the neighbours' mean are about 0.04 here: grain lets some of it through.
    expect(haloKept(0.05)).toBeLessThan(0.5);
  });

  it('repaints a halo fainter than one noise of either neighbour, which their mean shows', () => {
    const frames = pan(2, 1);
    // As above, the halo darker by only 0.025: each neighbour's grain hides it from a test against that
    // neighbour alone (about half of it kept), their mean halves that grain.
    const proposal = discMask(80, 60, 3);
    const halo = discMask(80, 60, 4).map((v, p) => v & ~proposal[p]!);
    frames[2]!.forEach((_, p) => (frames[2]![p]! -= proposal[p] ? 0.15 : halo[p] ? 0.025 : 0));
    const prob = Float32Array.from(proposal, (v, p) => (v ? 0.95 : halo[p] ? 0.3 : 0));
    const out = gateDamage(proposal, alignWindow(frames, W, H), { prob }).mask;
    expect(covers(discMask(80, 60, 5), out)).toBe(true);
    expect(countMask(out.map((v, p) => v & halo[p]!)) / countMask(halo)).toBeGreaterThan(0.65);
  });

  it('repaints a white speck and the dark dirt touching it, though together they depart by nothing on average', () => {
    const frames = pan(2, 1);
    disc(frames[2]!, 70, 60, 4, 0.95);
    disc(frames[2]!, 79, 60, 4, 0.03);
    const dirt = discMask(79, 60, 4);
    const proposal = discMask(70, 60, 4).map((v, p) => v | dirt[p]!);
    const out = gateDamage(proposal, alignWindow(frames, W, H)).mask;
    expect(covers(out, discMask(70, 60, 3))).toBe(true);
    expect(covers(out, discMask(79, 60, 3))).toBe(true);
    expect(covers(proposal, out)).toBe(true);
  });

  it('keeps the faint part of a confirmed speck when the segmenter is sure of it', () => {
    const frames = pan(2, 1);
    disc(frames[2]!, 80, 60, 3, 0.05);
    // A tail off the speck, darker than the picture by 0.02: under a tenth of the speck's departure.
    const proposal = discMask(80, 60, 3);
    const tail = new Uint8Array(W * H);
    for (let y = 59; y <= 61; y++) for (let x = 84; x <= 87; x++) tail[y * W + x] = 255;
    tail.forEach((v, p) => v && ((frames[2]![p]! -= 0.02), (proposal[p] = 255)));
    const tailKept = (onTail: number, probReduced = false) => {
      const prob = Float32Array.from(proposal, (v, p) => (tail[p] ? onTail : v ? 0.95 : 0));
      const out = gateDamage(proposal, alignWindow(frames, W, H), { prob, probReduced }).mask;
      return countMask(out.map((v, p) => v & tail[p]!)) / countMask(tail);
    };
    expect(tailKept(0.6)).toBe(1);
    expect(tailKept(0.45)).toBeLessThan(0.5);
    // A probability enlarged from a reduced window (2K and up) vouches only where it is near certain.
    expect(tailKept(0.6, true)).toBeLessThan(0.5);
    expect(tailKept(0.95, true)).toBe(1);
  });

  it("leaves the rim of a gate band alone where the network flagged only part of it: it is the border's edge, not a scratch", () => {
    // A dark band down the left side with a bright rim, fixed in the frame as the picture pans under it; the
    // proposal covers a third of the rim's height.
    const frames = pan(3, 0);
    for (const f of frames) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < 8; x++) f[y * W + x] = 0.3;
        f[y * W + 8] = 0.9;
      }
    }
    const mask = new Uint8Array(W * H);
    for (let y = 40; y < 80; y++) mask[y * W + 8] = 255;
    const g = gateDamage(mask, alignWindow(frames, W, H));
    expect(g.verdicts.border).toBe(1);
    expect(countMask(g.mask)).toBe(0);
  });

  it('judges a fresh line near the frame edge with picture on both sides as damage, not as the gate edge', () => {
    const frames = pan(3, 0);
    const mask = new Uint8Array(W * H);
    for (let y = 10; y < H - 10; y++) {
      frames[2]![y * W + W - 7] = 0.95;
      mask[y * W + W - 7] = 255;
    }
    const g = gateDamage(mask, alignWindow(frames, W, H));
    expect(g.verdicts.border).toBe(0);
    expect(covers(g.mask, mask)).toBe(true);
    expect(countMask(g.mask)).toBeLessThanOrEqual(countMask(mask) + 5);
  });

  it('does not take a pole for a scratch when the camera moves along it: that motion cannot tell them apart', () => {
    // A tilt: the picture moves 3 px a frame up the pole, which looks the same in every frame.
    const frames = pan(0, 3);
    const mask = new Uint8Array(W * H);
    frames.forEach((f) => {
      for (let y = 0; y < H; y++) f[y * W + 100] = 0.95;
    });
    for (let y = 5; y < H - 5; y++) mask[y * W + 100] = 255;
    const unsure = new Float32Array(W * H).fill(0.6);
    const g = gateDamage(mask, alignWindow(frames, W, H), { prob: unsure });
    expect(g.verdicts.scratch).toBe(0);
    expect(countMask(g.mask)).toBe(0);
  });

  it('tells a pole in a slow pan from a scratch by where the line lies to a fraction of a pixel', () => {
    // Half a pixel a frame sideways: a pole 3 px wide goes with the picture (one pixel in two frames),
    // a scratch stays. Both look the same to a network that is sure of them.
    const frames = pan(0.5, 0);
    const bar = (f: Float32Array, centre: number, value: number) => {
      for (let y = 5; y < H - 5; y++) {
        for (let x = Math.floor(centre - 3); x <= centre + 3; x++) {
          const cover = Math.max(0, Math.min(1, 2 - Math.abs(x - centre)));
          f[y * W + x] = f[y * W + x]! * (1 - cover) + value * cover;
        }
      }
    };
    frames.forEach((f, i) => {
      bar(f, 50 - 0.5 * (i - 2), 0.05);
      bar(f, 110, 0.95);
    });
    const mask = (x0: number) => {
      const m = new Uint8Array(W * H);
      for (let y = 5; y < H - 5; y++) for (let x = x0 - 1; x <= x0 + 1; x++) m[y * W + x] = 255;
      return m;
    };
    const sure = new Float32Array(W * H).fill(0.9);
    const pole = gateDamage(mask(50), alignWindow(frames, W, H), { prob: sure });
    expect(pole.verdicts.present).toBe(1);
    expect(countMask(pole.mask)).toBe(0);
    const scratch = gateDamage(mask(110), alignWindow(frames, W, H), { prob: sure });
    expect(scratch.verdicts.scratch).toBe(1);
    expect(countMask(scratch.mask)).toBeGreaterThan(0);
  });

  it('keeps a sure line in a still shot as a scratch, but not one along the side of a dark body (an edge)', () => {
    const frames = pan(0, 0);
    frames.forEach((f) => {
      for (let y = 5; y < H - 5; y++) {
        for (let x = 20; x < 60; x++) f[y * W + x] = 0.08 + 0.02 * f[y * W + x]!;
        f[y * W + 110] = 0.95;
      }
    });
    const mask = (x0: number, x1: number) => {
      const m = new Uint8Array(W * H);
      for (let y = 5; y < H - 5; y++) for (let x = x0; x <= x1; x++) m[y * W + x] = 255;
      return m;
    };
    const sure = new Float32Array(W * H).fill(0.9);
    const edge = gateDamage(mask(58, 61), alignWindow(frames, W, H), { prob: sure });
    expect(edge.verdicts.edge).toBe(1);
    expect(countMask(edge.mask)).toBe(0);
    const scratch = gateDamage(mask(109, 111), alignWindow(frames, W, H), { prob: sure });
    expect(scratch.verdicts.scratch).toBe(1);
    expect(countMask(scratch.mask)).toBeGreaterThan(0);
  });

  it('repaints a line in a still shot whose density changes from frame to frame, though the network is unsure, and leaves a steady one alone', () => {
    // Motion cannot judge either line, and the network's 0.7 is short of what a line motion cannot judge
    // needs; a scratch's density varies between frames and along its length (the film lifting off the
    // guide), a pole's does not, and the picture beside both stays.
    const lines = (strength: (i: number, y: number) => number) =>
      pan(0, 0).map((f, i) => {
        for (let y = 5; y < H - 5; y++) for (const x of [110, 111]) f[y * W + x] = f[y * W + x]! + strength(i, y) * (0.95 - f[y * W + x]!);
        return f;
      });
    const line = new Uint8Array(W * H);
    for (let y = 5; y < H - 5; y++) for (const x of [110, 111]) line[y * W + x] = 255;
    const unsure = new Float32Array(W * H).fill(0.7);
    const scratch = gateDamage(line, alignWindow(lines((i, y) => 0.45 + 0.2 * Math.sin(y / 9 + 2 * i)), W, H), { prob: unsure });
    expect(scratch.verdicts.scratch).toBe(1);
    expect(countMask(scratch.mask)).toBeGreaterThan(0.8 * countMask(line));
    const pole = gateDamage(line, alignWindow(lines((_, y) => 0.45 + 0.2 * Math.sin(y / 9)), W, H), { prob: unsure });
    expect(pole.verdicts['static-line']).toBe(1);
    expect(countMask(pole.mask)).toBe(0);
    // A sharp dark pole in a shot that weaves by a quarter of a pixel a frame: its own pixels change much
    // more than the flatter picture beside it, but not what they add up to across it.
    const weave = [-2, -1, 0, 1, 2].map((k) => {
      const f = picture(40 + 0.25 * k, 30, 300 + k);
      for (let y = 5; y < H - 5; y++) {
        for (let x = 106; x <= 115; x++) {
          // The share of the pixel a line 1.5 px wide covers, its centre at 111 - k / 4.
          const cover = Math.max(0, Math.min(x + 1, 111.75 - 0.25 * k) - Math.max(x, 110.25 - 0.25 * k));
          f[y * W + x] = f[y * W + x]! * (1 - cover) + 0.05 * cover;
        }
      }
      return f;
    });
    const weaving = gateDamage(line, alignWindow(weave, W, H), { prob: unsure });
    expect(weaving.verdicts['static-line']).toBe(1);
    expect(countMask(weaving.mask)).toBe(0);
  });

  it('repaints the piece of a scratch the network is unsure of when it continues a scratch the gate kept, and leaves an unsure pole alone', () => {
    // A still shot: motion judges no line. A bright scratch at x 110-111 fades out on rows 56-63, so the
    // network flags it as two pieces, sure of the upper one only; a dark pole at x 40 the network is as
    // unsure of as of the lower piece.
    const frames = pan(0, 0).map((f) => {
      for (let y = 5; y < H - 5; y++) {
        const strength = y >= 56 && y < 64 ? 0 : 0.6;
        for (const x of [110, 111]) f[y * W + x] = f[y * W + x]! + strength * (0.95 - f[y * W + x]!);
        f[y * W + 40] = 0.05;
      }
      return f;
    });
    const proposal = new Uint8Array(W * H);
    const prob = new Float32Array(W * H);
    const lower = new Uint8Array(W * H);
    for (let y = 5; y < H - 5; y++) {
      proposal[y * W + 40] = 255;
      prob[y * W + 40] = 0.7;
      if (y >= 56 && y < 64) continue;
      for (const x of [110, 111]) {
        proposal[y * W + x] = 255;
        prob[y * W + x] = y < 56 ? 0.9 : 0.7;
        if (y >= 64) lower[y * W + x] = 255;
      }
    }
    const gate = gateDamage(proposal, alignWindow(frames, W, H), { prob });
    expect(gate.verdicts.scratch).toBe(2);
    expect(gate.verdicts['static-line']).toBe(1);
    expect(covers(gate.mask, lower)).toBe(true);
    for (let y = 5; y < H - 5; y++) expect(gate.mask[y * W + 40]).toBe(0);
  });

  it("leaves a sure line in a still shot alone when it is one of a board wall's seams, and repaints it alone", () => {
    // Dark seams 6 px apart, in every frame (a 160 px frame's pattern reach is 10 px); motion cannot
    // judge them, and the network is sure of the one flagged.
    const wall = (seams: number[]) =>
      pan(0, 0).map((f) => {
        for (let y = 5; y < H - 5; y++) for (const x of seams) f[y * W + x] = 0.1;
        return f;
      });
    const line = new Uint8Array(W * H);
    for (let y = 5; y < H - 5; y++) line[y * W + 110] = 255;
    const sure = new Float32Array(W * H).fill(0.9);
    const seams = gateDamage(line, alignWindow(wall([98, 104, 110, 116, 122]), W, H), { prob: sure });
    expect(seams.verdicts['static-line']).toBe(1);
    expect(countMask(seams.mask)).toBe(0);
    const alone = gateDamage(line, alignWindow(wall([110]), W, H), { prob: sure });
    expect(alone.verdicts.scratch).toBe(1);
    expect(countMask(alone.mask)).toBeGreaterThan(0);
  });

  it('repaints a sure line in a still shot beside one wide dark bar (a window frame): its edges are not seams', () => {
    const [w, h] = [400, 300];
    const frames = [-2, -1, 0, 1, 2].map((k) => {
      const f = texturedPicture({ width: w, height: h, cx: 40, cy: 30, seed: 500 + k });
      for (let y = 10; y < h - 10; y++) {
        f[y * w + 200] = 0.3;
        for (let x = 210; x <= 222; x++) f[y * w + x] = 0.05;
      }
      return f;
    });
    const line = new Uint8Array(w * h);
    for (let y = 10; y < h - 10; y++) line[y * w + 200] = 255;
    const g = gateDamage(line, alignWindow(frames, w, h), { prob: new Float32Array(w * h).fill(0.9) });
    expect(g.verdicts.scratch).toBe(1);
  });

  it('leaves a snowflake that keeps to its place in the frame through a fast pan alone, and repaints dust there', () => {
    // The picture pans 9 px a frame, further than the search around the camera's vector reaches back; the
    // flake sinks half a pixel a frame. Dust of the same size and brightness is on the centre frame only.
    const frames = pan(9, 0);
    frames.forEach((f, i) => disc(f, 70, 50 + 0.5 * i, 2, 0.95));
    const flake = gateDamage(discMask(70, 51, 2), alignWindow(frames, W, H));
    expect(countMask(flake.mask)).toBe(0);
    expect(flake.verdicts.present).toBe(1);
    const dusty = pan(9, 0);
    disc(dusty[2]!, 70, 51, 2, 0.95);
    expect(gateDamage(discMask(70, 51, 2), alignWindow(dusty, W, H)).verdicts.damage).toBe(1);
  });

  it('leaves rain alone when many drops share one slant across the frame, but not the broken pieces of one scratch', () => {
    // Each drop is on the centre frame only, as real rain is at 24 frames a second: motion cannot tell it
    // from dust. Twelve strokes 6 px long at one slant, spread over the frame, can only be a fall.
    const frames = pan(1, 0);
    const rain = strokes(frames[2]!, W, 12, 6, 0.3, dropAt);
    const fall = gateDamage(rain, alignWindow(frames, W, H));
    expect(fall.verdicts.rain).toBe(12);
    expect(countMask(fall.mask)).toBe(0);
    // The same strokes lined up one above the other: an intermittent scratch, repainted.
    const pieces = pan(1, 0);
    const scratch = strokes(pieces[2]!, W, 12, 6, 0, (i) => [80, 4 + i * 9]);
    const broken = gateDamage(scratch, alignWindow(pieces, W, H));
    expect(broken.verdicts.rain).toBe(0);
    expect(countMask(broken.mask)).toBeGreaterThan(0);
  });

  it('leaves rain alone when the segmenter is sure of only a few drops: the fall shows in what it is less sure of', () => {
    // Twelve drops fall on the centre frame; the segmenter flags three (too few to be a fall on their
    // own, and one only as a stub) and gives the other nine a low probability.
    const frames = pan(1, 0);
    const drops = strokes(frames[2]!, W, 12, 6, 0.3, dropAt);
    const prob = new Float32Array(W * H);
    for (let p = 0; p < prob.length; p++) if (drops[p]) prob[p] = 0.3;
    const sure = new Uint8Array(W * H);
    for (const i of [0, 4, 8]) {
      const [x0, y0] = dropAt(i);
      for (let k = 0; k < (i === 8 ? 3 : 6); k++) {
        const p = (y0 + k) * W + x0 + Math.round(k * 0.3);
        sure[p] = 255;
        prob[p] = 0.9;
      }
    }
    const fall = gateDamage(sure, alignWindow(frames, W, H), { prob });
    expect(fall.verdicts.rain).toBe(3);
    expect(countMask(fall.mask)).toBe(0);
    // Dust on a frame without rain, among faint proposals of no one slant, is still repainted.
    const dusty = pan(1, 0);
    disc(dusty[2]!, 80, 60, 3, 0.05);
    const faint = new Float32Array(W * H);
    for (let i = 0; i < 12; i++) {
      const [x, y] = dropAt(i);
      faint[y * W + x] = 0.3;
    }
    const dust = gateDamage(discMask(80, 60, 3), alignWindow(dusty, W, H), { prob: faint });
    expect(dust.verdicts.rain).toBe(0);
    expect(countMask(dust.mask)).toBeGreaterThan(0);
  });

  it('finds the fall among the less sure regions at 2K too, where it reads the probability at about 1K', () => {
    // 2048 wide (the census reads every other pixel): twelve drops 12 px long, 2 px wide, three of them sure.
    const [w, h] = [2048, 512];
    const frames = [-2, -1, 0, 1, 2].map((k) => texturedPicture({ width: w, height: h, cx: 40 + 2 * k, cy: 30, seed: 400 + k }));
    const at = (i: number): [number, number] => [40 + ((i * 389) % 1900), 20 + ((i * 173) % 460)];
    const prob = new Float32Array(w * h);
    const sure = new Uint8Array(w * h);
    for (let i = 0; i < 12; i++) {
      const [x0, y0] = at(i);
      for (let k = 0; k < 12; k++) {
        for (const dx of [0, 1]) {
          const p = (y0 + k) * w + x0 + dx + Math.round(k * 0.3);
          frames[2]![p] = 0.9;
          prob[p] = i % 4 === 0 ? 0.9 : 0.3;
          if (i % 4 === 0) sure[p] = 255;
        }
      }
    }
    const fall = gateDamage(sure, alignWindow(frames, w, h), { prob });
    expect(fall.verdicts.rain).toBe(3);
    expect(countMask(fall.mask)).toBe(0);
  });

  it('leaves rain alone when its streaks are long enough to pass for lines, as at 2K', () => {
    // Twelve strokes 20 px long, one pixel wide: lines by their shape, but far shorter than a scratch.
    const [w, h] = [400, 300];
    const frames = [-2, -1, 0, 1, 2].map((k) => texturedPicture({ width: w, height: h, cx: 40 + k, cy: 30, seed: 300 + k }));
    const rain = strokes(frames[2]!, w, 12, 20, 0.2, (i) => [20 + ((i * 97) % 350), 10 + ((i * 71) % 260)]);
    const fall = gateDamage(rain, alignWindow(frames, w, h));
    expect(fall.verdicts.rain).toBe(12);
    expect(countMask(fall.mask)).toBe(0);
  });

  it('leaves a slanted line that stays in the frame alone: something the camera follows, not a scratch along the film', () => {
    // A wire at 20 degrees from vertical, fixed in the frame while the picture pans 3 px a frame under it
    // (a tracking shot); the same line drawn vertical is a scratch.
    const keptAt = (slant: number) => {
      const frames = pan(3, 0);
      const mask = new Uint8Array(W * H);
      for (const f of frames) {
        for (let y = 10; y < H - 10; y++) {
          const p = y * W + Math.round(80 + (y - 60) * Math.tan(slant));
          f[p] = 0.95;
          mask[p] = 255;
        }
      }
      return gateDamage(mask, alignWindow(frames, W, H)).verdicts;
    };
    const wire = keptAt((20 * Math.PI) / 180);
    expect(wire.scratch + wire.damage).toBe(0);
    expect(wire['slanted-line']).toBe(1);
    // A twig 6.5 degrees off: a scanner's rotation does not tilt a scratch that far.
    expect(keptAt((6.5 * Math.PI) / 180)['slanted-line']).toBe(1);
    expect(keptAt((2 * Math.PI) / 180).scratch).toBe(1);
    // An upright post with a wire across it, both fixed in the frame: one region whose axis stands upright,
    // but a scratch does not branch.
    const frames = pan(3, 0);
    const mask = new Uint8Array(W * H);
    const mark = (x: number, y: number) => {
      for (const f of frames) f[y * W + x] = 0.95;
      mask[y * W + x] = 255;
    };
    for (let y = 10; y < H - 10; y++) mark(80, y);
    for (let x = 81; x < 120; x++) mark(x, 60 + Math.floor((x - 81) / 4));
    const crossed = gateDamage(mask, alignWindow(frames, W, H)).verdicts;
    expect(crossed.scratch + crossed.damage).toBe(0);
  });

  it('leaves a wire swaying in a still shot alone, and repaints a hair of the same shape on one frame only', () => {
    // A dark wire hanging from (80, 10), turned 2.5 degrees further each frame: its foot moves 4 px a frame.
    const wire = (f: Float32Array, angle: number, mask?: Uint8Array) => {
      for (let y = 10; y < 100; y++) {
        const p = y * W + Math.round(80 + (y - 10) * Math.tan(angle));
        f[p] = 0.05;
        if (mask) mask[p] = 255;
      }
    };
    const deg = Math.PI / 180;
    const frames = pan(0, 0);
    const mask = new Uint8Array(W * H);
    frames.forEach((f, i) => wire(f, (2.5 * (i - 2) + 2.5) * deg, i === 2 ? mask : undefined));
    const swaying = gateDamage(mask, alignWindow(frames, W, H));
    expect(countMask(swaying.mask)).toBe(0);
    const once = pan(0, 0);
    wire(once[2]!, 2.5 * deg);
    expect(countMask(gateDamage(mask, alignWindow(once, W, H)).mask)).toBeGreaterThan(0);
    // Hanging straight down with only its lowest third swinging (3 px a frame at the foot), it is held
    // where it hangs: a line no motion can judge, which a sure network would call a scratch.
    const still = pan(0, 0);
    const upright = new Uint8Array(W * H);
    still.forEach((f, i) => {
      for (let y = 10; y < 100; y++) {
        const p = y * W + 80 + Math.round(3 * (i - 2) * Math.max(0, (y - 70) / 30));
        f[p] = 0.05;
        if (i === 2) upright[p] = 255;
      }
    });
    const sure = new Float32Array(W * H).fill(0.95);
    expect(countMask(gateDamage(upright, alignWindow(still, W, H), { prob: sure }).mask)).toBe(0);
  });

  it('leaves a wire strung across a still shot alone as it swings, and repaints a hair of its shape on one frame', () => {
    // A dark wire from (20, 60) to the right, turned 4 degrees further each frame: its free end moves 7 px
    // a frame, further than the search for something moving on its own reaches at this size.
    const wire = (f: Float32Array, angle: number, mask?: Uint8Array) => {
      for (let x = 20; x < 120; x++) {
        const p = Math.round(60 + (x - 20) * Math.tan(angle)) * W + x;
        f[p] = 0.05;
        if (mask) mask[p] = 255;
      }
    };
    const deg = Math.PI / 180;
    const frames = pan(0, 0);
    const mask = new Uint8Array(W * H);
    frames.forEach((f, i) => wire(f, 4 * (i - 2) * deg, i === 2 ? mask : undefined));
    const swinging = gateDamage(mask, alignWindow(frames, W, H));
    expect(countMask(swinging.mask)).toBe(0);
    const once = pan(0, 0);
    wire(once[2]!, 0);
    expect(countMask(gateDamage(mask, alignWindow(once, W, H)).mask)).toBeGreaterThan(0);
  });

  it('leaves a wire whose foot swings further than dust is wide alone, where a sign crosses it', () => {
    // Hanging from (80, 10), its foot 14 px further right each frame; a bright bar of the picture crosses it
    // at rows 50 to 57, where no shift matches the wire's (those rows are left out of the fit).
    const deg = Math.PI / 180;
    const frames = pan(0, 0);
    const mask = new Uint8Array(W * H);
    frames.forEach((f, i) => {
      const angle = 8 * (i - 2) * deg;
      for (let y = 10; y < 110; y++) {
        const p = y * W + Math.round(80 + (y - 10) * Math.tan(angle));
        f[p] = 0.05;
        if (i === 2) mask[p] = 255;
      }
      for (let y = 50; y < 58; y++) for (let x = 60; x < 110; x++) f[y * W + x] = 0.9;
    });
    expect(countMask(gateDamage(mask, alignWindow(frames, W, H)).mask)).toBe(0);
  });

  it('leaves a twig that swings sideways as a whole in a still shot alone, and repaints a hair of its shape on one frame', () => {
    // A bright slanted twig, 3 px further right each frame, neither bent nor turned; on the other frames
    // its rows below 60 are lost in the leaves (picture that hides it).
    const twig = (f: Float32Array, dx: number, upTo: number, mask?: Uint8Array) => {
      for (let y = 20; y < upTo; y++) {
        const p = y * W + Math.round(70 + dx + 0.3 * (y - 20));
        f[p] = 0.95;
        if (mask) mask[p] = 255;
      }
    };
    const frames = pan(0, 0);
    const mask = new Uint8Array(W * H);
    frames.forEach((f, i) => twig(f, 3 * (i - 2), i === 2 ? 100 : 60, i === 2 ? mask : undefined));
    const sure = new Float32Array(W * H).fill(0.95);
    expect(countMask(gateDamage(mask, alignWindow(frames, W, H), { prob: sure }).mask)).toBe(0);
    const once = pan(0, 0);
    twig(once[2]!, 0, 100);
    expect(countMask(gateDamage(mask, alignWindow(once, W, H), { prob: sure }).mask)).toBeGreaterThan(0.8 * countMask(mask));
  });

  it('leaves a swaying twig alone when foliage hides its lower third in the neighbours', () => {
    // Turned 2.5 degrees further each frame from where it grows at (80, 10); on the other frames its rows
    // below 66 are lost in the leaves (drawn here as picture that hides it), so 38 % of its rows match nowhere.
    const deg = Math.PI / 180;
    const frames = pan(0, 0);
    const mask = new Uint8Array(W * H);
    frames.forEach((f, i) => {
      for (let y = 10; y < 100; y++) {
        const p = y * W + Math.round(80 + (y - 10) * Math.tan(2.5 * (i - 1) * deg));
        if (i === 2) mask[p] = 255;
        if (i === 2 || y < 66) f[p] = 0.05;
      }
    });
    expect(countMask(gateDamage(mask, alignWindow(frames, W, H)).mask)).toBe(0);
    // Turning only 1.5 degrees a frame, where the leaves instead lend its profile two or three pixels to
    // either side, row by row: those rows would drown its small turn.
    const lent = pan(0, 0);
    const slow = new Uint8Array(W * H);
    lent.forEach((f, i) => {
      for (let y = 10; y < 100; y++) {
        const jitter = i === 2 || y < 66 ? 0 : [3, -3, 3, -3, 2, -2, 0][(y * 5 + i) % 7]!;
        const p = y * W + Math.round(80 + (y - 10) * Math.tan(1.5 * (i - 1) * deg));
        f[p + jitter] = 0.05;
        if (i === 2) slow[p] = 255;
      }
    });
    expect(countMask(gateDamage(slow, alignWindow(lent, W, H)).mask)).toBe(0);
  });

  it('keeps a scratch that wanders a pixel a frame while the picture pans 3 px a frame under it', () => {
    const frames = pan(3, 0);
    frames.forEach((f, i) => {
      for (let y = 5; y < H - 5; y++) f[y * W + 100 + (i - 2)] = 0.95;
    });
    const mask = new Uint8Array(W * H);
    for (let y = 5; y < H - 5; y++) mask[y * W + 100] = 255;
    const g = gateDamage(mask, alignWindow(frames, W, H));
    expect(g.verdicts.scratch).toBe(1);
  });

  it("repaints a scratch's soft flank where the segmenter drew it a pixel narrow, and not the picture beside it", () => {
    const frames = pan(3, 0);
    // A scratch three pixels wide with soft flanks (a quarter of its contrast a pixel out), on every frame
    // at the same place while the picture pans under it.
    const profile: [number, number][] = [[-2, 0.25], [-1, 1], [0, 1], [1, 1], [2, 0.25]];
    frames.forEach((f) => {
      for (let y = 5; y < H - 5; y++) for (const [dx, a] of profile) f[y * W + 100 + dx] = f[y * W + 100 + dx]! * (1 - a) + 0.95 * a;
    });
    // The segmenter flagged the core only.
    const mask = new Uint8Array(W * H);
    for (let y = 5; y < H - 5; y++) for (const dx of [-1, 0, 1]) mask[y * W + 100 + dx] = 255;
    const g = gateDamage(mask, alignWindow(frames, W, H));
    expect(g.verdicts.scratch).toBe(1);
    let flank = 0;
    let beyond = 0;
    for (let y = 5; y < H - 5; y++) {
      flank += (g.mask[y * W + 98] ? 1 : 0) + (g.mask[y * W + 102] ? 1 : 0);
      beyond += (g.mask[y * W + 97] ? 1 : 0) + (g.mask[y * W + 103] ? 1 : 0);
    }
    const rows = H - 10;
    expect(flank).toBeGreaterThan(1.6 * rows);
    expect(beyond).toBeLessThan(0.1 * rows);
  });

  it("repaints the faint shoulder of a deep scratch where the segmenter's region covers it", () => {
    const frames = pan(3, 0);
    // A dark core a pixel wide, 0.5 under the picture, with shoulders 0.045 under it: visible, though under
    // a tenth of the core's depth.
    frames.forEach((f) => {
      for (let y = 5; y < H - 5; y++) for (const [dx, d] of [[-1, 0.045], [0, 0.5], [1, 0.045]] as const) f[y * W + 100 + dx] = f[y * W + 100 + dx]! - d;
    });
    const mask = new Uint8Array(W * H);
    for (let y = 5; y < H - 5; y++) for (const dx of [-1, 0, 1]) mask[y * W + 100 + dx] = 255;
    const g = gateDamage(mask, alignWindow(frames, W, H));
    expect(g.verdicts.scratch).toBe(1);
    expect(covers(g.mask, mask)).toBe(true);
    // With a probability enlarged from a reduced window, a pixel or two wider than the line, rows are
    // trimmed to what departs by a tenth of their peak: the shoulders go.
    expect(covers(gateDamage(mask, alignWindow(frames, W, H), { probReduced: true }).mask, mask)).toBe(false);
  });

  it('repaints a faint blotch of a few hundred pixels: only a change wider than a blotch is taken for flicker', () => {
    const frames = pan(1, 0);
    const blotch = discMask(80, 60, 18);
    const lighter = frames[2]!.slice();
    for (let i = 0; i < blotch.length; i++) if (blotch[i]) lighter[i] = lighter[i]! + 0.045;
    const g = gateDamage(blotch, alignWindow([frames[0]!, frames[1]!, lighter, frames[3]!, frames[4]!], W, H));
    expect(g.verdicts.damage).toBe(1);
    expect(countMask(g.mask)).toBeGreaterThan(0.9 * countMask(blotch));
  });

  it('leaves a wide region departing by under two grains alone (picture turning into shadow), but not dirt as wide', () => {
    // Coarse grain (0.02): a disc of 1,250 px darker by 0.03 on the centre frame departs past the 0.025 a
    // speck needs, by only 1.5 grains; what the network proposed so on the real clip was a man's head.
    const frames = [-2, -1, 0, 1, 2].map((k) => texturedPicture({ width: W, height: H, cx: 40 + k, cy: 30, seed: 300 + k, grain: 0.02 }));
    const wide = discMask(80, 60, 20);
    const shaded = frames[2]!.slice();
    for (let i = 0; i < wide.length; i++) if (wide[i]) shaded[i] = shaded[i]! - 0.03;
    const g = gateDamage(wide, alignWindow([frames[0]!, frames[1]!, shaded, frames[3]!, frames[4]!], W, H));
    expect(g.verdicts.weak).toBe(1);
    expect(countMask(g.mask)).toBe(0);
    const dirty = frames[2]!.slice();
    for (let i = 0; i < wide.length; i++) if (wide[i]) dirty[i] = dirty[i]! - 0.08;
    expect(countMask(gateDamage(wide, alignWindow([frames[0]!, frames[1]!, dirty, frames[3]!, frames[4]!], W, H)).mask)).toBeGreaterThan(0.9 * countMask(wide));
  });

  it('leaves the edge of something swinging on its own alone: no one motion explains what surrounds it', () => {
    // A limb that swings out on the centre frame and back: every neighbour shows it further left than the
    // search reaches, and they agree on the background where its edge now is.
    const frames = pan(1, 0);
    frames.forEach((f, i) => disc(f, [50, 70, 80, 70, 50][i]! + (i - 2), 60, 10, 0.1));
    const sliver = discMask(80, 60, 10);
    for (let i = 0; i < sliver.length; i++) if (i % W < 86) sliver[i] = 0;
    const g = gateDamage(sliver, alignWindow(frames, W, H));
    expect(g.verdicts.damage).toBe(0);
    expect(countMask(g.mask)).toBe(0);
  });

  it("does not let a repeated frame confirm itself: a blotch on the next frame and its telecine twin is not the centre's damage", () => {
    const frames = pan(2, 1);
    // A speckled blotch, as scanned dirt is, where the camera took the region.
    const speckle = new Float32Array(W * H);
    fillNormal(speckle, 77);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 82, y - 61) <= 12) frames[3]![y * W + x] = 0.5 + 0.3 * speckle[y * W + x]!;
    frames[4] = frames[3]!.slice();
    // At the start of a shot: the twins are the only witnesses.
    const g = gateDamage(discMask(80, 60, 4), alignWindow([null, null, frames[2]!, frames[3]!, frames[4]!], W, H));
    expect(g.verdicts.damage).toBe(0);
    expect(countMask(g.mask)).toBe(0);
  });

  it("repaints dust on a shot's last frame whose two earlier frames are one film frame, given the frame before them", () => {
    // Seven frames of a pan, the shot ending at frames[5]; frames[3] and [4] are one film frame scanned twice.
    const frames = [-3, -2, -1, 0, 1, 2, 3].map((k) => picture(40 + 2 * k, 30 + k, 300 + k));
    frames[3] = frames[4]!.slice();
    disc(frames[5]!, 80, 60, 4, 0.9);
    const al = alignWindow([frames[3]!, frames[4]!, frames[5]!, null, null], W, H);
    // The window alone holds one film frame to compare with: a lone witness, and no network to be sure.
    expect(countMask(gateDamage(discMask(80, 60, 4), al).mask)).toBe(0);
    const g = gateDamage(discMask(80, 60, 4), withFurtherWitness(al, [frames[2]!, null], 2));
    expect(g.verdicts.damage).toBe(1);
    expect(covers(g.mask, discMask(80, 60, 3))).toBe(true);
    // A figure striding through the shot's last frames is still left alone: the frame before the twins
    // shows it 36 px back, where the two agree with each other only on the ground the leg left.
    const walk = walkingFigure();
    walk.frames[0] = walk.frames[1]!.slice();
    const further = picture(40, 30, 99);
    for (let y = 20; y < 100; y++) for (let x = 26; x < 50; x++) if (y < 50 || (x >= 34 && x < 42)) further[y * W + x] = 0.06 + 0.01 * Math.sin(x + y);
    const walked = withFurtherWitness(alignWindow([...walk.frames.slice(0, 3), null, null], W, H), [further, null], 2);
    expect(walked.neighbours.map((n) => n.offset)).toEqual([-1, -2, -3]);
    expect(countMask(gateDamage(walk.proposal, walked).mask)).toBe(0);
  });

  it('leaves rain alone: a streak found further along its own direction in the neighbours is a falling drop', () => {
    const frames = pan(1, 0);
    // A drop falling 12 px a frame, drawn as a 1 px wide, 8 px long streak: beyond the usual search.
    const streak = (f: Float32Array, x: number, y: number) => {
      for (let yy = y; yy < y + 8; yy++) f[yy * W + x] = 0.9;
    };
    frames.forEach((f, i) => streak(f, 80 - (i - 2), 40 + 12 * (i - 2)));
    const mask = new Uint8Array(W * H);
    for (let yy = 40; yy < 48; yy++) mask[yy * W + 80] = 255;
    const g = gateDamage(mask, alignWindow(frames, W, H));
    expect(g.verdicts.present).toBe(1);
    expect(countMask(g.mask)).toBe(0);
    // A scratch-like speck of the same shape that is on this frame only is still repainted.
    const once = pan(1, 0);
    streak(once[2]!, 80, 40);
    expect(countMask(gateDamage(mask, alignWindow(once, W, H)).mask)).toBeGreaterThan(0);
  });
});
