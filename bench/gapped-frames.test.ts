import { describe, expect, it } from 'vitest';
import type { BenchSequence } from '@reelrestore/shared/synthetic/film-sequence';
import { everyNth } from './gapped-frames.js';

describe('everyNth', () => {
  it('keeps every n-th frame of every per-frame array, in step', () => {
    const frames = Array.from({ length: 9 }, (_, i) => new Uint8Array([i]));
    const seq: BenchSequence = { name: 's', layout: { width: 1, height: 1, channels: 1, bits: 8 }, clean: frames, damaged: frames, masks: frames, classes: frames, meta: {} };
    const g = everyNth(seq, 4);
    for (const a of [g.clean, g.damaged, g.masks, g.classes]) expect(a.map((f) => f[0])).toEqual([0, 4, 8]);
  });
});
