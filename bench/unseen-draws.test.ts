import { describe, expect, it } from 'vitest';
import { DEFAULT_VARIANTS, type BenchSequence } from '@reelrestore/shared/synthetic/index';
import { makeBenchSet } from './bench-set.js';
import { evaluateSet } from './evaluate-set.js';
import { scoreDraw } from './unseen-draws.js';

async function collect(set: AsyncIterable<BenchSequence>): Promise<BenchSequence[]> {
  const out: BenchSequence[] = [];
  for await (const s of set) out.push(s);
  return out;
}

async function* replay(seqs: BenchSequence[]): AsyncGenerator<BenchSequence> {
  yield* seqs;
}

describe('scoreDraw', () => {
  it("scores a draw as the bench scores its own unseen split: the learned detector's undilated masks", async () => {
    // A damaged and a clean sequence of the unseen split, small enough for a test.
    const variants = [DEFAULT_VARIANTS.find((v) => v.damage !== false)!, DEFAULT_VARIANTS.find((v) => v.damage === false)!];
    const seqs = await collect(makeBenchSet({ count: 2, width: 192, height: 144, frames: 5, seed: 5, split: 'unseen', variants }));
    const draw = await scoreDraw(5, replay(seqs));
    const bench = (await evaluateSet(replay(seqs))).detectors.unet_undilated!;
    expect(draw.sequences).toBe(2);
    expect(draw.recall_visible).toBeGreaterThan(0);
    expect(draw.fp_rate_clean).not.toBeNull();
    expect([draw.precision, draw.precision_visible, draw.recall_visible, draw.fp_rate_clean]).toEqual([bench.precision, bench.precision_visible, bench.recall_visible, bench.fp_rate_clean]);
  }, 120_000);
});
