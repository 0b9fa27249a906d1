import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFrameFiles, multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { decodeFrames } from '../packages/shared/src/frames/decode-frames.js';
import { probeSequence, probeVideo } from '../packages/shared/src/frames/probe-media.js';
import type { MediaInfo, Samples } from '../packages/shared/src/frames/types.js';
import { decodeMaskPng } from '../packages/shared/src/restore/mask-png.js';
import { verifyWebhook } from '../packages/shared/src/webhooks/sign-webhook.js';
import type { ApiClient } from '../packages/cli/src/api-client.js';
import { writeFfv1Video, writePngSequence } from './support/clip-files.js';
import { startHookReceiver, startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip, type SyntheticClip } from './support/synthetic-clip.js';

let stack: TestStack;
let work: string;

beforeAll(async () => {
  stack = await startTestStack();
  work = mkdtempSync(join(tmpdir(), 'rr-e2e-'));
});
afterAll(async () => {
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Two shots with a hard cut between them, each with dust and dirt of known position. */
function twoShots(opts: { channels: 1 | 3; bits: 8 | 16; frames: number }): SyntheticClip {
  const base = { width: 96, height: 64, channels: opts.channels, bits: opts.bits, frames: opts.frames, grainSigma: 0.015 };
  const a = makeSyntheticClip({ ...base, seed: 11, shift: { x: 0.7, y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  const b = makeSyntheticClip({ ...base, seed: 23, shift: { x: -0.5, y: 0.3 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  // A cut goes to another picture: the second shot is the negative of a different scene.
  const max = opts.bits === 16 ? 65535 : 255;
  const invert = (f: Samples) => f.map((v) => max - v) as Samples;
  return { ...a, clean: [...a.clean, ...b.clean.map(invert)], damaged: [...a.damaged, ...b.damaged.map(invert)], masks: [...a.masks, ...b.masks] };
}

async function readAll(media: MediaInfo, urls: string[]): Promise<Samples[]> {
  const out: Samples[] = [];
  for await (const f of decodeFrames({ media, urls, start: 0, end: media.frameCount })) out.push(f.data);
  return out;
}

async function masksOf(client: ApiClient, id: string, frames: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    const file = join(work, `${id}-mask-${i}.png`);
    await client.download(`/v1/reels/${id}/masks/${i}`, file);
    out.push((await decodeMaskPng(await readFile(file))).mask);
  }
  return out;
}

/**
 * What a restorer checks: outside the repaint mask every sample equals the input; inside the true
 * damage the restored picture is much closer to the clean truth than the damaged input was.
 */
function checkRestoration(clip: SyntheticClip, restored: Samples[], masks: Uint8Array[]) {
  const C = clip.layout.channels;
  let changedOutside = 0;
  let errBefore = 0;
  let errAfter = 0;
  let truePixels = 0;
  let caught = 0;
  for (let f = 0; f < restored.length; f++) {
    const out = restored[f]!;
    const input = clip.damaged[f]!;
    const clean = clip.clean[f]!;
    const truth = clip.masks[f]!;
    const mask = masks[f]!;
    for (let p = 0; p < truth.length; p++) {
      for (let c = 0; c < C; c++) {
        const i = p * C + c;
        if (!mask[p] && out[i] !== input[i]) changedOutside++;
        if (truth[p]) {
          errBefore += Math.abs(input[i]! - clean[i]!);
          errAfter += Math.abs(out[i]! - clean[i]!);
        }
      }
      if (truth[p]) {
        truePixels++;
        if (mask[p]) caught++;
      }
    }
  }
  expect(restored.length).toBe(clip.damaged.length);
  expect(changedOutside).toBe(0);
  expect(truePixels).toBeGreaterThan(0);
  expect(caught / truePixels).toBeGreaterThan(0.6);
  expect(errAfter).toBeLessThan(errBefore * 0.5);
}

describe('a reel from upload to restored output', () => {
  // The first reel of the file also starts the compute threads and opens both models; on two busy cores
  // it takes 45–55 s since the segmenter aligns and gates every frame, too close to the 60 s default.
  it('restores an 8-bit grey image sequence with a cut: same names, masks, report, signed webhook', async () => {
    const clip = twoShots({ channels: 1, bits: 8, frames: 10 });
    const dir = join(work, 'seq8');
    const names = await writePngSequence(dir, clip.layout, clip.damaged);
    const hooks = await startHookReceiver([500, 200]);
    const client = stack.client('acme');
    try {
      const { id } = await client.submit(
        multipartBody({ callbackUrl: hooks.url }, { name: 'seq8.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }),
      );
      const reel = await stack.waitFor(client, id);
      expect(reel.error).toBeUndefined();
      expect(reel.state).toBe('completed');
      expect(reel.shots.map((s) => [s.start, s.end])).toEqual([
        [0, 10],
        [10, 20],
      ]);
      expect(reel.progress).toMatchObject({ framesTotal: 20, segmented: 20, inpainted: 20, percent: 100 });

      const outDir = join(work, 'seq8-out');
      const tarFile = join(work, 'seq8-out.tar');
      await client.download(`/v1/reels/${id}/output`, tarFile);
      mkdirSync(outDir, { recursive: true });
      execFileSync('tar', ['-xf', tarFile, '-C', outDir]);
      expect(await listFrameFiles(outDir)).toEqual(names);
      const paths = names.map((n) => join(outDir, n));
      const media = await probeSequence(paths, names);
      expect(media.layout).toMatchObject({ channels: 1, bits: 8 });
      checkRestoration(clip, await readAll(media, paths), await masksOf(client, id, 20));

      const reportFile = join(work, 'seq8-report.json');
      await client.download(`/v1/reels/${id}/report`, reportFile);
      const report = JSON.parse(await readFile(reportFile, 'utf8'));
      expect(report.shots).toHaveLength(2);
      expect(report.shots[0].frames.count).toBe(10);
      expect(report.damagedShare).toBeGreaterThan(0);

      // The receiver failed the first delivery; the retry arrived with the same id and a valid signature.
      const deadline = Date.now() + 10_000;
      while (hooks.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(hooks.received).toHaveLength(2);
      for (const h of hooks.received) {
        expect(verifyWebhook(stack.webhookSecret, h.headers as Record<string, string>, h.body)).toBe(true);
        expect(JSON.parse(h.body)).toMatchObject({ type: 'reel.completed', data: { id } });
      }
      expect(hooks.received[0]!.headers['webhook-id']).toBe(hooks.received[1]!.headers['webhook-id']);
      const after = await client.status(id);
      expect(after.webhooks.map((w) => [w.status, w.delivered])).toEqual([
        [500, false],
        [200, true],
      ]);
    } finally {
      await hooks.close();
    }
  }, 150_000);

  it('restores a 16-bit grey FFV1 video losslessly outside the mask', async () => {
    const clip = twoShots({ channels: 1, bits: 16, frames: 9 });
    const src = join(work, 'grey16.mkv');
    await writeFfv1Video(src, clip.layout, clip.damaged);
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({}, { name: 'grey16.mkv', contentType: 'video/x-matroska', body: createReadStream(src) }));
    const reel = await stack.waitFor(client, id);
    expect(reel.error).toBeUndefined();
    expect(reel.state).toBe('completed');
    expect(reel.media).toMatchObject({ width: 96, height: 64, frameCount: 18, sourceBits: 16 });
    expect(reel.shots.map((s) => s.start)).toEqual([0, 9]);

    const out = join(work, 'grey16-restored.mkv');
    await client.download(`/v1/reels/${id}/output`, out);
    const media = await probeVideo(out);
    expect(media.codec).toBe('ffv1');
    expect(media.layout).toMatchObject({ channels: 1, bits: 16 });
    checkRestoration(clip, await readAll(media, [out]), await masksOf(client, id, 18));
  });

  it('restores an 8-bit RGB FFV1 video', async () => {
    const clip = twoShots({ channels: 3, bits: 8, frames: 8 });
    const src = join(work, 'rgb8.mkv');
    await writeFfv1Video(src, clip.layout, clip.damaged);
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({ chunkFrames: '4' }, { name: 'rgb8.mkv', contentType: 'video/x-matroska', body: createReadStream(src) }));
    const reel = await stack.waitFor(client, id);
    expect(reel.error).toBeUndefined();
    expect(reel.state).toBe('completed');
    const out = join(work, 'rgb8-restored.mkv');
    await client.download(`/v1/reels/${id}/output`, out);
    const media = await probeVideo(out);
    checkRestoration(clip, await readAll(media, [out]), await masksOf(client, id, 16));
  });
});

describe('bad input fails cleanly', () => {
  it('fails a corrupt video with a readable reason and leaves nothing queued', async () => {
    const file = join(work, 'corrupt.mkv');
    // A Matroska signature followed by garbage: it passes the upload sniff and fails at probe.
    writeFileSync(file, Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(4096, 7)]));
    const hooks = await startHookReceiver([200]);
    const client = stack.client('acme');
    try {
      const { id } = await client.submit(multipartBody({ callbackUrl: hooks.url }, { name: 'corrupt.mkv', contentType: 'video/x-matroska', body: createReadStream(file) }));
      const reel = await stack.waitFor(client, id);
      expect(reel.state).toBe('failed');
      // The stage in words and what is wrong with the file, in the user's terms.
      expect(reel.error).toBe('reading the source: the file is not a readable Matroska (MKV) file: its header is damaged');
      await expect.poll(() => stack.unfinishedJobs(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(1);
      expect(JSON.parse(hooks.received[0]!.body)).toMatchObject({ type: 'reel.failed', data: { id, state: 'failed' } });
    } finally {
      await hooks.close();
    }
  });

  it('fails a sequence with one corrupt frame mid-way, and nothing is left waiting', async () => {
    const clip = makeSyntheticClip({ width: 64, height: 48, frames: 12, channels: 1, bits: 8, seed: 5 });
    const dir = join(work, 'broken-seq');
    const names = await writePngSequence(dir, clip.layout, clip.damaged);
    writeFileSync(join(dir, names[9]!), Buffer.from('this is not a png'));
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({}, { name: 'broken.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }));
    const reel = await stack.waitFor(client, id);
    expect(reel.state).toBe('failed');
    expect(reel.error).toBeTruthy();
    await expect.poll(() => stack.unfinishedJobs(), { timeout: 15_000 }).toBe(0);
  });
});

describe('cancel', () => {
  it('stops a running reel: state cancelled, no jobs left, no output reported', async () => {
    const clip = makeSyntheticClip({ width: 320, height: 240, frames: 48, channels: 1, bits: 8, seed: 9, damage: { specksPerFrame: 4 } });
    const src = join(work, 'long.mkv');
    await writeFfv1Video(src, clip.layout, clip.damaged);
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({ chunkFrames: '4' }, { name: 'long.mkv', contentType: 'video/x-matroska', body: createReadStream(src) }));
    await stack.waitFor(client, id, ['segmenting', 'inpainting', 'completed', 'failed']);
    expect(await client.cancel(id)).toMatchObject({ state: 'cancelled' });
    const reel = await client.status(id);
    expect(reel.state).toBe('cancelled');
    await expect.poll(() => stack.unfinishedJobs(), { timeout: 30_000, interval: 200 }).toBe(0);
    const after = await client.status(id);
    expect(after.state).toBe('cancelled');
    expect(after.outputs).toBeUndefined();
    await expect(client.download(`/v1/reels/${id}/output`, join(work, 'never.mkv'))).rejects.toMatchObject({ status: 409 });
  });
});
