/**
 * One image sequence through the running stack, as a client would: upload it as a tar, wait for the reel,
 * download the restored frames and every mask. For the e2e tests that check what came out.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { listFrameFiles, multipartBody, tarOfFrames } from '../../packages/cli/src/upload-body.js';
import { decodeFrames } from '../../packages/shared/src/frames/decode-frames.js';
import { probeSequence } from '../../packages/shared/src/frames/probe-media.js';
import type { FrameLayout, Samples } from '../../packages/shared/src/frames/types.js';
import { decodeMaskPng } from '../../packages/shared/src/restore/mask-png.js';
import { writePngSequence } from './clip-files.js';
import type { TestStack } from './stack.js';

export interface RestoredSequence {
  id: string;
  layout: FrameLayout;
  restored: Samples[];
  masks: Uint8Array[];
  /** The frames' file names, in order. */
  names: string[];
}

export async function restoreSequence(stack: TestStack, work: string, layout: FrameLayout, frames: Samples[]): Promise<RestoredSequence> {
  const dir = join(work, 'seq');
  const names = await writePngSequence(dir, layout, frames);
  const client = stack.client('acme');
  const { id } = await client.submit(multipartBody({}, { name: 'seq.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }));
  const reel = await stack.waitFor(client, id);
  expect(reel.error).toBeUndefined();
  expect(reel.state).toBe('completed');
  expect(reel.progress).toMatchObject({ framesTotal: frames.length, segmented: frames.length, inpainted: frames.length, percent: 100 });

  const out = await downloadSequence(stack, work, id, names);
  expect(out.restored).toHaveLength(frames.length);
  return out;
}

/** A completed sequence reel's restored frames and masks, as a client downloads them. */
export async function downloadSequence(stack: TestStack, work: string, id: string, names: string[]): Promise<RestoredSequence> {
  const client = stack.client('acme');
  const tarFile = join(work, 'out.tar');
  const outDir = join(work, 'out');
  await client.download(`/v1/reels/${id}/output`, tarFile);
  execFileSync('mkdir', ['-p', outDir]);
  execFileSync('tar', ['-xf', tarFile, '-C', outDir]);
  expect(await listFrameFiles(outDir)).toEqual(names);
  const paths = names.map((n) => join(outDir, n));
  const media = await probeSequence(paths, names);
  const restored: Samples[] = [];
  for await (const f of decodeFrames({ media, urls: paths, start: 0, end: media.frameCount })) restored.push(f.data);

  const masks: Uint8Array[] = [];
  for (let f = 0; f < media.frameCount; f++) {
    const file = join(work, `mask-${f}.png`);
    await client.download(`/v1/reels/${id}/masks/${f}`, file);
    masks.push((await decodeMaskPng(await readFile(file))).mask);
  }
  return { id, layout: media.layout, restored, masks, names };
}
