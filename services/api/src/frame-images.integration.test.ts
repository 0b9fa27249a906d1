/**
 * Frames for the screen (GET /v1/reels/:id/frames/:n) over real HTTP, from reels the real pipeline
 * restored: a 16-bit RGB PNG sequence, an 8-bit grey FFV1 video, and 10-bit sources (a grey FFV1 video
 * and a tar of 10-bit DPX frames) holding a ramp over every 10-bit level. Needs redis-server and ffmpeg.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { multipartBody, tarOfFrames } from '../../../packages/cli/src/upload-body.js';
import { writeFfv1Video, writePngSequence } from '../../../test/support/clip-files.js';
import { startTestStack, type TestStack } from '../../../test/support/stack.js';
import { makeSyntheticClip } from '../../../test/support/synthetic-clip.js';

const FAST = { SEGMENTER: 'spike', INPAINTER: 'median' };
const FRAMES = 6;

let work: string;
let stack: TestStack;
let seq: ReturnType<typeof makeSyntheticClip>;
let vid: ReturnType<typeof makeSyntheticClip>;
let seqId: string;
let videoId: string;
let tenBitVideoId: string;
let tenBitDpxId: string;

/** The 10-bit ramp: every level 0-1023 in each row-quad, four levels per column (v = 4x + y mod 4). */
const RAMP_W = 256;
const RAMP_H = 64;
const ramp10 = (x: number, y: number) => 4 * x + (y % 4);

/** Raw gray10le frames of the ramp, as ffmpeg reads them. */
function rampFrames(frames: number): Buffer {
  const one = Buffer.alloc(RAMP_W * RAMP_H * 2);
  for (let y = 0; y < RAMP_H; y++) for (let x = 0; x < RAMP_W; x++) one.writeUInt16LE(ramp10(x, y), (y * RAMP_W + x) * 2);
  return Buffer.concat(Array.from({ length: frames }, () => one));
}

const ffmpeg = (args: string[], input?: Buffer) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { input, maxBuffer: 64 * 1024 * 1024 });
const RAW_RAMP = ['-f', 'rawvideo', '-pix_fmt', 'gray10le', '-s', `${RAMP_W}x${RAMP_H}`, '-r', '24', '-i', '-'];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rr-frames-'));
  stack = await startTestStack({ env: FAST });
  const damage = { specksPerFrame: 3, minRadius: 2, maxRadius: 4 };
  seq = makeSyntheticClip({ width: 64, height: 48, frames: FRAMES, channels: 3, bits: 16, seed: 11, shift: { x: 0.5, y: 0 }, damage });
  vid = makeSyntheticClip({ width: 64, height: 48, frames: FRAMES, channels: 1, bits: 8, seed: 12, shift: { x: 0.5, y: 0 }, damage });
  const names = await writePngSequence(join(work, 'frames'), seq.layout, seq.damaged);
  await writeFfv1Video(join(work, 'clip.mkv'), vid.layout, vid.damaged);
  // 10 bits as archives hold them: a grey FFV1 video, and DPX frames (10-bit RGB, packed as scanners write them).
  ffmpeg([...RAW_RAMP, '-c:v', 'ffv1', '-pix_fmt', 'gray10le', join(work, 'ramp10.mkv')], rampFrames(FRAMES));
  mkdirSync(join(work, 'dpx10'));
  ffmpeg([...RAW_RAMP, '-pix_fmt', 'gbrp10le', join(work, 'dpx10', 'ramp_%04d.dpx')], rampFrames(FRAMES));
  const dpxNames = readdirSync(join(work, 'dpx10')).sort();
  const client = stack.client('acme');
  [seqId, videoId, tenBitVideoId, tenBitDpxId] = await Promise.all([
    client.submit(multipartBody({}, { name: 'frames.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'frames'), names) })).then((r) => r.id),
    client.submit(multipartBody({}, { name: 'clip.mkv', contentType: 'video/x-matroska', body: createReadStream(join(work, 'clip.mkv')) })).then((r) => r.id),
    client.submit(multipartBody({}, { name: 'ramp10.mkv', contentType: 'video/x-matroska', body: createReadStream(join(work, 'ramp10.mkv')) })).then((r) => r.id),
    client.submit(multipartBody({}, { name: 'dpx10.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'dpx10'), dpxNames) })).then((r) => r.id),
  ]);
  for (const id of [seqId, videoId, tenBitVideoId, tenBitDpxId]) expect(await stack.waitFor(client, id)).toMatchObject({ state: 'completed' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function get(path: string, key = stack.keys.acme): Promise<Response> {
  return fetch(stack.api.url + path, { headers: { authorization: `Bearer ${key}` } });
}

/** An answered image's raw 8-bit pixels and size; `grey`: its first channel only (a grey reel may be decoded as RGB). */
async function pixels(res: Response, grey = false): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  expect(res.status).toBe(200);
  const image = sharp(Buffer.from(await res.arrayBuffer()));
  const { data, info } = await (grey ? image.extractChannel(0) : image).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** What the screen should show of scanned samples: 16 bits rounded to 8 over the whole range. */
function onScreen(data: Samples, layout: FrameLayout): Buffer {
  return Buffer.from(Array.from(data.subarray(0, layout.width * layout.height * layout.channels), (v) => (layout.bits === 16 ? Math.round(v / 257) : v)));
}

describe('frames for the screen', () => {
  it('shows a 16-bit scan over its whole range, neither clipped nor posterised', async () => {
    const img = await pixels(await get(`/v1/reels/${seqId}/frames/2?variant=source`));
    expect([img.width, img.height, img.channels]).toEqual([64, 48, 3]);
    expect(img.data.equals(onScreen(seq.damaged[2]!, seq.layout))).toBe(true);
    // Made once, then kept with the reel's data (a purge removes it with the rest).
    const cached: string[] = [];
    for await (const o of stack.deps.store.list(`reels/${seqId}/cache/frames/`)) cached.push(o.key);
    expect(cached).toEqual([`reels/${seqId}/cache/frames/v0/source-2-0_0_64_48-1.png`]);
  });

  it.each([
    ['a grey FFV1 video', () => tenBitVideoId],
    ['a tar of DPX frames', () => tenBitDpxId],
  ])('shows a 10-bit scan (%s) over its whole range: every 8-bit level of a ramp, none clipped', async (_what, id) => {
    const img = await pixels(await get(`/v1/reels/${id()}/frames/4?variant=source`), true);
    expect([img.width, img.height]).toEqual([RAMP_W, RAMP_H]);
    const levels = new Set<number>();
    for (let y = 0; y < RAMP_H; y++) {
      for (let x = 0; x < RAMP_W; x++) {
        const v10 = ramp10(x, y);
        const shown = img.data[y * RAMP_W + x]!;
        levels.add(shown);
        // The documented mapping: the 10 bits widen to 16 by repeating their top bits (as ffmpeg decodes
        // them), then 16 round to the nearest of 8 (v / 257), so every screen level is as wide as the next
        // and each pixel is within half a level of the 10-bit level scaled to 8 bits.
        const v16 = (v10 << 6) | (v10 >> 4);
        expect(shown, `at ${x},${y} (10-bit ${v10})`).toBe(Math.round(v16 / 257));
        expect(Math.abs(shown - (v10 * 255) / 1023)).toBeLessThanOrEqual(0.51);
        // Along a row the ramp only rises; so does what the screen shows.
        if (x > 0) expect(shown).toBeGreaterThanOrEqual(img.data[y * RAMP_W + x - 1]!);
      }
    }
    // Black stays black and white white, and every level between is there: nothing clipped, nothing posterised.
    expect(Math.min(...levels)).toBe(0);
    expect(Math.max(...levels)).toBe(255);
    expect(levels.size).toBe(256);
  });

  it('shows the scan and the restored frame as they are, and the restored frame differs only under the mask', async () => {
    const source = await pixels(await get(`/v1/reels/${videoId}/frames/3?variant=source`), true);
    expect(source.data.equals(onScreen(vid.damaged[3]!, vid.layout))).toBe(true);
    const restored = await pixels(await get(`/v1/reels/${videoId}/frames/3?variant=restored`), true);
    const mask = await pixels(await get(`/v1/reels/${videoId}/frames/3?variant=mask`), true);
    const maskFile = await pixels(await get(`/v1/reels/${videoId}/masks/3`), true);
    expect(mask.data.equals(maskFile.data)).toBe(true);
    let changed = 0;
    for (let i = 0; i < restored.data.length; i++) {
      if (restored.data[i] === source.data[i]) continue;
      changed++;
      expect(mask.data[i]).toBe(255);
    }
    expect(changed).toBeGreaterThan(0);
    // The difference view is black wherever nothing changed, and bright where the fill changed a lot.
    const diff = await pixels(await get(`/v1/reels/${videoId}/frames/3?variant=difference`), true);
    for (let i = 0; i < diff.data.length; i++) {
      expect(diff.data[i]).toBe(Math.min(255, 4 * Math.abs(restored.data[i]! - source.data[i]!)));
    }
  });

  it('crops a region and magnifies it by repeating pixels, so grain is seen at 2:1 as it is', async () => {
    const whole = await pixels(await get(`/v1/reels/${seqId}/frames/1?variant=source`));
    const zoomed = await pixels(await get(`/v1/reels/${seqId}/frames/1?variant=source&region=10,5,20,16&scale=2`));
    expect([zoomed.width, zoomed.height]).toEqual([40, 32]);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 40; x++) {
        for (let c = 0; c < 3; c++) {
          const from = ((5 + (y >> 1)) * 64 + 10 + (x >> 1)) * 3 + c;
          expect(zoomed.data[(y * 40 + x) * 3 + c]).toBe(whole.data[from]);
        }
      }
    }
    const small = await get(`/v1/reels/${seqId}/frames/1?variant=restored&scale=0.5&format=jpeg`);
    expect(small.headers.get('content-type')).toBe('image/jpeg');
    expect((await pixels(small)).width).toBe(32);
  });

  it('answers 404 past the last frame or for another tenant, and 400 for a region outside the frame or a huge image', async () => {
    expect((await get(`/v1/reels/${seqId}/frames/${FRAMES}`)).status).toBe(404);
    expect((await get(`/v1/reels/${seqId}/frames/0`, stack.keys.beta)).status).toBe(404);
    expect((await get(`/v1/reels/${seqId}/frames/0?region=60,0,10,10`)).status).toBe(400);
    expect((await get(`/v1/reels/${seqId}/frames/0?region=0,0,0,10`)).status).toBe(400);
    expect((await get(`/v1/reels/${seqId}/frames/0?variant=thumbnail`)).status).toBe(400);
  });
});
