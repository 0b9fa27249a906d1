import { describe, expect, it } from 'vitest';
import type { ChunkPlan, Shot } from '../frames/plan.js';
import type { EditLogEntry } from './edits.js';
import { paintStroke, regionAt } from './mask-edits.js';
import { chunksFor, framesOf, replayEdits } from './replay-edits.js';

const W = 40;
const H = 20;

/** Two repaired regions: a 3x3 speck at (5..7, 5..7) and a vertical scratch at x = 30, y 2..17. */
function detected(): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 5; y < 8; y++) for (let x = 5; x < 8; x++) m[y * W + x] = 255;
  for (let y = 2; y < 18; y++) m[y * W + 30] = 255;
  return m;
}
const count = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0);
const entry = (e: Partial<EditLogEntry> & Pick<EditLogEntry, 'type'>): EditLogEntry => ({ revision: 1, at: '', by: 't', ...e }) as EditLogEntry;
const shot: Shot = { index: 0, start: 0, end: 10 };

describe('review edits on a mask', () => {
  it('a click selects the whole 8-connected region it lands on or next to, and nothing else', () => {
    const m = detected();
    expect(regionAt(m, W, H, 6, 6)?.pixels.length).toBe(9);
    // 3 px right of the scratch still finds it; 10 px away from everything finds nothing.
    const scratch = regionAt(m, W, H, 33, 10)!;
    expect(scratch.pixels.length).toBe(16);
    expect(scratch.box).toEqual({ x: 30, y: 2, w: 1, h: 16 });
    expect(regionAt(m, W, H, 18, 15)).toBeNull();
  });

  it('a brush stroke covers a continuous band along its path, also between far-apart points', () => {
    const m = new Uint8Array(W * H);
    const { pixels, box } = paintStroke(m, W, H, [[2, 10], [37, 10]], 2);
    expect(box).toEqual({ x: 0, y: 8, w: 40, h: 5 });
    for (let x = 2; x <= 37; x++) expect(m[10 * W + x]).toBe(255);
    expect(pixels).toBe(count(m));
  });

  it('replays reject, add, revert and accept in order, from the detected mask each time', () => {
    const d = detected();
    const reject = entry({ type: 'reject', frame: 3, x: 6, y: 6 });
    const add = entry({ type: 'add', frame: 3, points: [[20, 10]], radius: 1 });
    const after = replayEdits(d, W, H, 3, shot, [reject, add]);
    expect(after[6 * W + 6]).toBe(0);
    expect(after[10 * W + 30]).toBe(255);
    expect(after[10 * W + 20]).toBe(255);
    expect(count(after)).toBe(16 + 5);
    // Other frames are untouched; the detected mask itself is never changed.
    expect(replayEdits(d, W, H, 4, shot, [reject, add])).toEqual(d);
    expect(count(d)).toBe(25);
    const reverted = replayEdits(d, W, H, 3, shot, [reject, add, entry({ type: 'revert-shot', shot: 0 })]);
    expect(count(reverted)).toBe(0);
    const accepted = replayEdits(d, W, H, 3, shot, [reject, add, entry({ type: 'revert-shot', shot: 0 }), entry({ type: 'accept-shot', shot: 0 })]);
    expect(accepted).toEqual(d);
    // Another shot's revert does not reach this frame.
    expect(replayEdits(d, W, H, 3, shot, [entry({ type: 'revert-shot', shot: 1 })])).toEqual(d);
  });

  it('repaints the chunks holding an edited frame and those that read it as a neighbour, within its shot', () => {
    const shots: Shot[] = [{ index: 0, start: 0, end: 20 }, { index: 1, start: 20, end: 30 }];
    const chunks: ChunkPlan[] = [
      { shot: 0, chunk: 0, start: 0, end: 8, contextStart: 0, contextEnd: 10 },
      { shot: 0, chunk: 1, start: 8, end: 16, contextStart: 6, contextEnd: 18 },
      { shot: 0, chunk: 2, start: 16, end: 20, contextStart: 14, contextEnd: 20 },
      { shot: 1, chunk: 0, start: 20, end: 30, contextStart: 20, contextEnd: 30 },
    ];
    const at = (frames: number[]) => chunksFor(frames, chunks, 2).map((c) => `${c.shot}/${c.chunk}`);
    expect(at([3])).toEqual(['0/0']);
    expect(at([7])).toEqual(['0/0', '0/1']);
    expect(at([19])).toEqual(['0/2']);
    expect(at([20])).toEqual(['1/0']);
    expect(framesOf([entry({ type: 'revert-shot', shot: 1 }), entry({ type: 'reject', frame: 2, x: 0, y: 0 })], shots)).toEqual([2, ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
  });
});
