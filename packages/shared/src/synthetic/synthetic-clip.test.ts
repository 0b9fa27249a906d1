import { describe, expect, it } from 'vitest';
import { makeSyntheticClip } from './synthetic-clip.js';

describe('makeSyntheticClip (test support)', () => {
  it('is deterministic and its masks mark exactly the damaged pixels', () => {
    const opts = {
      width: 96,
      height: 64,
      frames: 3,
      channels: 3,
      bits: 16,
      seed: 42,
      shift: { x: 1, y: 0.5 },
      damage: { specksPerFrame: 5, scratch: true },
    } as const;
    const a = makeSyntheticClip(opts);
    const b = makeSyntheticClip(opts);
    expect(a.damaged).toEqual(b.damaged);
    expect(a.clean[0]).toBeInstanceOf(Uint16Array);
    expect(a.offsets[2]).toEqual({ x: 2, y: 1 });
    for (let f = 0; f < 3; f++) {
      let flagged = 0;
      for (let p = 0; p < 96 * 64; p++) {
        let differs = false;
        for (let c = 0; c < 3; c++) if (a.clean[f]![p * 3 + c] !== a.damaged[f]![p * 3 + c]) differs = true;
        expect(a.masks[f]![p] === 255).toBe(differs);
        if (differs) flagged++;
      }
      // The scratch alone flags at least one full column on every frame.
      expect(flagged).toBeGreaterThan(64);
    }
    // Fresh grain: clean frames differ even where the picture does not move.
    const still = makeSyntheticClip({ width: 32, height: 32, frames: 2, channels: 1, bits: 8, seed: 1, grainSigma: 0.02 });
    expect(still.clean[0]).not.toEqual(still.clean[1]);
  });
});
