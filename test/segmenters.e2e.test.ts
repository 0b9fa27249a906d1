import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreSequence } from './support/restore-sequence.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

// The learned model is the default; the spike detector stays selectable as the reference. Both must run a
// reel end to end through the real services.
describe.each(['unet', 'spike'] as const)('a reel segmented with SEGMENTER=%s', (segmenter) => {
  let stack: TestStack;
  let work: string;

  beforeAll(async () => {
    stack = await startTestStack({ env: { SEGMENTER: segmenter } });
    work = mkdtempSync(join(tmpdir(), `rr-e2e-${segmenter}-`));
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('completes, repaints only inside its masks, and the masks cover planted dust', async () => {
    const clip = makeSyntheticClip({
      width: 128,
      height: 96,
      frames: 12,
      channels: 1,
      bits: 8,
      seed: 41,
      grainSigma: 0.015,
      shift: { x: 0.6, y: 0.2 },
      damage: { specksPerFrame: 3, minRadius: 3, maxRadius: 5 },
    });
    const { restored, masks } = await restoreSequence(stack, work, clip.layout, clip.damaged);

    let changedOutside = 0;
    let truth = 0;
    let caught = 0;
    for (let f = 0; f < 12; f++) {
      const mask = masks[f]!;
      const out = restored[f]!;
      const input = clip.damaged[f]!;
      const planted = clip.masks[f]!;
      for (let p = 0; p < mask.length; p++) {
        if (!mask[p] && out[p] !== input[p]) changedOutside++;
        if (planted[p]) {
          truth++;
          if (mask[p]) caught++;
        }
      }
    }
    expect(changedOutside).toBe(0);
    expect(truth).toBeGreaterThan(0);
    expect(caught / truth).toBeGreaterThan(0.5);
  });
});
