import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFrameFiles, multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { decodeFrames } from '../packages/shared/src/frames/decode-frames.js';
import { probeSequence } from '../packages/shared/src/frames/probe-media.js';
import type { Samples } from '../packages/shared/src/frames/types.js';
import { decodeMaskPng } from '../packages/shared/src/restore/mask-png.js';
import { writePngSequence } from './support/clip-files.js';
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
    const dir = join(work, 'seq');
    const names = await writePngSequence(dir, clip.layout, clip.damaged);
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({}, { name: 'seq.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }));
    const reel = await stack.waitFor(client, id);
    expect(reel.error).toBeUndefined();
    expect(reel.state).toBe('completed');
    expect(reel.progress).toMatchObject({ framesTotal: 12, segmented: 12, inpainted: 12, percent: 100 });

    const tarFile = join(work, 'out.tar');
    const outDir = join(work, 'out');
    await client.download(`/v1/reels/${id}/output`, tarFile);
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkdir', ['-p', outDir]);
    execFileSync('tar', ['-xf', tarFile, '-C', outDir]);
    expect(await listFrameFiles(outDir)).toEqual(names);
    const paths = names.map((n) => join(outDir, n));
    const media = await probeSequence(paths, names);
    const restored: Samples[] = [];
    for await (const f of decodeFrames({ media, urls: paths, start: 0, end: media.frameCount })) restored.push(f.data);
    expect(restored).toHaveLength(12);

    let changedOutside = 0;
    let truth = 0;
    let caught = 0;
    for (let f = 0; f < 12; f++) {
      const file = join(work, `mask-${f}.png`);
      await client.download(`/v1/reels/${id}/masks/${f}`, file);
      const { mask } = await decodeMaskPng(await readFile(file));
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
