import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreSequence } from './support/restore-sequence.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

// The learned inpainter and the median reference must both run a reel end to end through the real
// services, and both must take the damage away without touching anything outside the masks.
// INPAINT_DEVICE=cuda is run too: on a machine without onnxruntime's CUDA provider (CI, this project's
// CPU hosts) the worker must say so once and repaint on CPU.
const cases: { name: string; env: Record<string, string> }[] = [
  { name: 'INPAINTER=diffusion', env: { INPAINTER: 'diffusion' } },
  { name: 'INPAINTER=median', env: { INPAINTER: 'median' } },
  { name: 'INPAINTER=diffusion and INPAINT_DEVICE=cuda', env: { INPAINTER: 'diffusion', INPAINT_DEVICE: 'cuda' } },
];

describe.each(cases)('a reel repainted with $name', ({ env }) => {
  let stack: TestStack;
  let work: string;

  beforeAll(async () => {
    stack = await startTestStack({ env, captureLogs: true });
    work = mkdtempSync(join(tmpdir(), 'rr-e2e-inpaint-'));
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('completes, changes nothing outside its masks, and repaints the planted dust close to the clean picture', async () => {
    const clip = makeSyntheticClip({
      width: 128,
      height: 96,
      frames: 10,
      channels: 3,
      bits: 16,
      seed: 43,
      grainSigma: 0.012,
      shift: { x: 0.7, y: 0.3 },
      damage: { specksPerFrame: 3, minRadius: 3, maxRadius: 6 },
    });
    const { restored, masks, layout } = await restoreSequence(stack, work, clip.layout, clip.damaged);
    expect(layout).toMatchObject({ channels: 3, bits: 16 });

    const C = 3;
    let changedOutside = 0;
    let before = 0;
    let after = 0;
    for (let f = 0; f < restored.length; f++) {
      const mask = masks[f]!;
      const out = restored[f]!;
      const input = clip.damaged[f]!;
      const clean = clip.clean[f]!;
      for (let p = 0; p < mask.length; p++) {
        for (let c = 0; c < C; c++) {
          const i = p * C + c;
          if (!mask[p] && out[i] !== input[i]) changedOutside++;
          if (mask[p] && clip.masks[f]![p]) {
            before += Math.abs(input[i]! - clean[i]!);
            after += Math.abs(out[i]! - clean[i]!);
          }
        }
      }
    }
    expect(changedOutside).toBe(0);
    expect(before).toBeGreaterThan(0);
    // Where dust was found, the repaint is far closer to the clean picture than the damage was.
    expect(after / before).toBeLessThan(0.25);

    // The learned inpainter says once, per process, which device it runs on, or why not the one asked for.
    const deviceLines = stack.logs.filter((l) => typeof l.msg === 'string' && /inpainter device|could not load its CUDA provider/.test(l.msg));
    if (env.INPAINTER === 'median') {
      expect(deviceLines).toHaveLength(0);
    } else {
      expect(deviceLines).toHaveLength(1);
      const line = deviceLines[0]!;
      if (env.INPAINT_DEVICE === 'cuda' && line.level === 40) {
        expect(line.msg).toBe('INPAINT_DEVICE=cuda but onnxruntime could not load its CUDA provider: inpainting on CPU');
        expect(String(line.reason)).toMatch(/cuda|CUDA|provider|shared librar/);
      } else {
        expect(line.device).toBe(env.INPAINT_DEVICE ?? 'cpu');
      }
    }
  });
});
