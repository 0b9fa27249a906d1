import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../packages/shared/src/config.js';
import { toLuma } from '../packages/shared/src/restore/luma.js';
import { defaultSegmentModelPath, segmentFrameUnet, unetSettings } from '../packages/shared/src/restore/unet-segment.js';
import { modelRunner } from '../packages/shared/src/workers/compute-tasks.js';
import { restoreSequence } from './support/restore-sequence.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

/** A stack running with `env` and a scratch folder, for the tests of one describe block. */
function stackFor(env: Record<string, string>, label: string): { stack: () => TestStack; work: () => string } {
  let stack: TestStack | undefined;
  let work = '';
  beforeAll(async () => {
    stack = await startTestStack({ env });
    work = mkdtempSync(join(tmpdir(), `rr-e2e-${label}-`));
  });
  afterAll(async () => {
    await stack?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  return { stack: () => stack!, work: () => work };
}

/** Twelve grey frames of a slow pan with grain and a few planted specks a frame. */
const dustyClip = (seed: number, specksPerFrame: number) =>
  makeSyntheticClip({
    width: 128,
    height: 96,
    frames: 12,
    channels: 1,
    bits: 8,
    seed,
    grainSigma: 0.015,
    shift: { x: 0.6, y: 0.2 },
    damage: { specksPerFrame, minRadius: 3, maxRadius: 5 },
  });

// The learned model is the default; the spike detector stays selectable as the reference. Both must run a
// reel end to end through the real services.
describe.each(['unet', 'spike'] as const)('a reel segmented with SEGMENTER=%s', (segmenter) => {
  const { stack, work } = stackFor({ SEGMENTER: segmenter }, segmenter);

  it('completes, repaints only inside its masks, and the masks cover planted dust', async () => {
    const clip = dustyClip(41, 3);
    const { restored, masks } = await restoreSequence(stack(), work(), clip.layout, clip.damaged);

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

describe('a reel segmented with SEGMENTER=unet, at its shot ends', () => {
  const { stack, work } = stackFor({ SEGMENTER: 'unet' }, 'shot-ends');

  // At a shot's first and last frame the window holds neighbours on one side only; where those are one
  // film frame scanned twice, the gate compares with the frame past the window too (withFurtherWitness).
  it("masks a shot's first and last frames as the segmenter does with the frames past their windows", async () => {
    const clip = dustyClip(43, 2);
    // Telecine repeats beside both ends: frames 1 and 2, and 9 and 10, are one film frame twice.
    clip.damaged[2] = clip.damaged[1]!.slice();
    clip.damaged[9] = clip.damaged[10]!.slice();
    const { masks } = await restoreSequence(stack(), work(), clip.layout, clip.damaged);

    const config = configSchema.parse({ SEGMENTER: 'unet' });
    const settings = unetSettings(config, clip.layout.width);
    const run = await modelRunner(defaultSegmentModelPath());
    const lumas = clip.damaged.map((f) => toLuma(f, clip.layout));
    const at = (t: number) => lumas[t] ?? null;
    for (const t of [0, 11]) {
      const input = { width: 128, height: 96, lumas: [-2, -1, 0, 1, 2].map((k) => at(t + k)), ...settings };
      const alone = (await segmentFrameUnet(input, run)).mask;
      const further = (await segmentFrameUnet({ ...input, further: [at(t - 3), at(t + 3)] }, run)).mask;
      // The clip is drawn so that the frame past the window changes what is masked there.
      expect(further, `frame ${t}`).not.toEqual(alone);
      expect(masks[t], `frame ${t}`).toEqual(further);
    }
  });
});
