/**
 * The standing bad-input corpus: what an attacker or an unlucky archive sends, each case with the exact
 * answer a user should get (a 4xx with what is wrong, or a failed reel whose reason says what is wrong with
 * the input in the user's terms, never an internal path), and after each that no job is left waiting or
 * active and every worker is still running.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFfv1Video } from './support/clip-files.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

let stack: TestStack;
let work: string;

beforeAll(async () => {
  stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median', JOB_ATTEMPTS: '1', WEBHOOK_ALLOW_PRIVATE: 'false' } });
  work = mkdtempSync(join(tmpdir(), 'rr-bad-'));
}, 60_000);
afterAll(async () => {
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Entry {
  name: string;
  body?: Buffer;
  type?: 'file' | 'symlink' | 'directory';
  linkname?: string;
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '/etc/passwd' });
    else if (e.type === 'directory') p.entry({ name: e.name, type: 'directory' });
    else p.entry({ name: e.name, size: e.body!.length }, e.body!);
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const png = (w: number, h: number, grey = 128) => sharp({ create: { width: w, height: h, channels: 3, background: { r: grey, g: grey, b: grey } } }).png().toBuffer();
const frames = async (n: number, w = 64, h = 48, start = 1) => Promise.all(Array.from({ length: n }, async (_, i) => ({ name: `f_${String(start + i).padStart(4, '0')}.png`, body: await png(w, h, 60 + 10 * i) })));

/** A short FFV1/MKV clip, and the same through ffmpeg as H.264/MP4 and other containers. */
async function clip(name: string, frameCount = 16): Promise<Buffer> {
  const c = makeSyntheticClip({ width: 64, height: 48, frames: frameCount, channels: 1, bits: 8, seed: 2, shift: { x: 0.5, y: 0.2 } });
  const path = join(work, name);
  await writeFfv1Video(path, c.layout, c.damaged);
  return readFileSync(path);
}
function transcode(src: Buffer, ext: string, args: string[]): Buffer {
  const dir = mkdtempSync(join(work, 'tc-'));
  writeFileSync(join(dir, 'in.mkv'), src);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', join(dir, 'in.mkv'), ...args, join(dir, `out.${ext}`)]);
  return readFileSync(join(dir, `out.${ext}`));
}
function ffmpegMake(ext: string, args: string[]): Buffer {
  const dir = mkdtempSync(join(work, 'mk-'));
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args, join(dir, `out.${ext}`)]);
  return readFileSync(join(dir, `out.${ext}`));
}

type Expect = { status: number; detail: RegExp } | { failed: RegExp } | { completed: true; warning?: RegExp };
interface Case {
  name: string;
  upload: () => Promise<{ file: string; type: string; body: Buffer }> | { file: string; type: string; body: Buffer };
  expect: Expect;
}

const cases: Case[] = [
  { name: 'an empty file', upload: () => ({ file: 'empty.mkv', type: 'video/x-matroska', body: Buffer.alloc(0) }), expect: { status: 422, detail: /the uploaded file 'empty\.mkv' is empty/ } },
  { name: 'random bytes named .mkv', upload: () => ({ file: 'random.mkv', type: 'video/x-matroska', body: randomBytes(64 * 1024) }), expect: { status: 415, detail: /unrecognised binary data.*expected a video file/ } },
  { name: 'a text file named .mp4', upload: () => ({ file: 'notes.mp4', type: 'video/mp4', body: Buffer.from('hello, this is not a video\n'.repeat(100)) }), expect: { status: 415, detail: /looks like text.*expected a video file/ } },
  { name: 'a PNG picture sent as a video', upload: async () => ({ file: 'frame.mkv', type: 'video/x-matroska', body: await png(64, 48) }), expect: { status: 415, detail: /looks like a single PNG image; send a tar of all frames/ } },
  { name: 'an MKV cut in half', upload: async () => { const b = await clip('half.mkv'); return { file: 'half.mkv', type: 'video/x-matroska', body: b.subarray(0, Math.floor(b.length / 2)) }; }, expect: { failed: /the video is truncated: its header declares 16 frames, but only \d+ can be read/ } },
  { name: 'an MP4 cut in half', upload: async () => { const b = transcode(await clip('h264.mkv'), 'mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']); return { file: 'half.mp4', type: 'video/mp4', body: b.subarray(0, Math.floor(b.length / 2)) }; }, expect: { failed: /is an incomplete MP4\/MOV: its index \(the moov atom\) is missing/ } },
  { name: 'an MKV with its header overwritten', upload: async () => { const b = Buffer.from(await clip('corrupt.mkv')); b.fill(0x55, 4, 400); return { file: 'corrupt.mkv', type: 'video/x-matroska', body: b }; }, expect: { failed: /is not a readable Matroska \(MKV\) file|cannot be read/ } },
  { name: 'audio only', upload: () => ({ file: 'tone.mkv', type: 'video/x-matroska', body: ffmpegMake('mkv', ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'flac']) }), expect: { failed: /the file has no video stream/ } },
  { name: 'a tar of no frames', upload: async () => ({ file: 'none.tar', type: 'application/x-tar', body: await tarOf([{ name: 'readme.txt', body: Buffer.from('hi') }]) }), expect: { status: 422, detail: /the tar holds no DPX, TIFF or PNG frames/ } },
  { name: 'an empty tar', upload: async () => ({ file: 'empty.tar', type: 'application/x-tar', body: await tarOf([]) }), expect: { status: 415, detail: /expected a video file .* or an uncompressed tar/ } },
  { name: 'a tar with two frames of the same name', upload: async () => { const f = await frames(2); return { file: 'dup.tar', type: 'application/x-tar', body: await tarOf([f[0]!, { ...f[1]!, name: f[0]!.name }]) }; }, expect: { status: 422, detail: /the tar holds two frames named "f_0001\.png"/ } },
  { name: 'a tar mixing PNG and DPX', upload: async () => { const f = await frames(2); return { file: 'mix.tar', type: 'application/x-tar', body: await tarOf([f[0]!, { name: 'f_0002.dpx', body: Buffer.alloc(2048, 1) }]) }; }, expect: { status: 422, detail: /the tar mixes frame formats \(png and dpx\)/ } },
  { name: 'a tar entry climbing out with ..', upload: async () => ({ file: 'climb.tar', type: 'application/x-tar', body: await tarOf([{ name: '../../etc/f_0001.png', body: await png(8, 8) }]) }), expect: { status: 422, detail: /points outside the archive/ } },
  // As tar itself does, a leading / is dropped: the frames land in the reel, nowhere else.
  { name: 'a tar of absolute paths', upload: async () => ({ file: 'abs.tar', type: 'application/x-tar', body: await tarOf((await frames(4)).map((f) => ({ ...f, name: `/tmp/${f.name}` }))) }), expect: { completed: true } },
  { name: 'a tar with a symlink entry', upload: async () => ({ file: 'link.tar', type: 'application/x-tar', body: await tarOf([...(await frames(2)), { name: 'f_0003.png', type: 'symlink', linkname: '/etc/passwd' }]) }), expect: { status: 422, detail: /the tar holds a link \("f_0003\.png"\)/ } },
  { name: 'a tar of frames in folders, with junk beside them', upload: async () => ({ file: 'junk.tar', type: 'application/x-tar', body: await tarOf([{ name: 'scans/', type: 'directory' }, ...(await frames(6)).map((f) => ({ ...f, name: `scans/${f.name}` })), { name: '.DS_Store', body: Buffer.from('junk') }, { name: 'Thumbs.db', body: Buffer.from('junk') }]) }), expect: { completed: true } },
  { name: 'a text file named like a frame', upload: async () => ({ file: 'text.tar', type: 'application/x-tar', body: await tarOf([...(await frames(3)), { name: 'f_0004.png', body: Buffer.from('not an image at all') }]) }), expect: { failed: /f_0004\.png is not a readable PNG image/ } },
  { name: 'frames of different sizes', upload: async () => ({ file: 'sizes.tar', type: 'application/x-tar', body: await tarOf([...(await frames(3, 64, 48)), ...(await frames(2, 80, 48, 4))]) }), expect: { failed: /frames differ in size: f_0001\.png is 64x48, f_0005\.png is 80x48/ } },
  { name: 'a gap in the frame numbers', upload: async () => ({ file: 'gap.tar', type: 'application/x-tar', body: await tarOf([...(await frames(3)), ...(await frames(3, 64, 48, 7))]) }), expect: { completed: true, warning: /frames 0004 to 0006 are missing from the numbering \(between f_0003\.png and f_0007\.png\)/ } },
  { name: '1x1 frames', upload: async () => ({ file: 'tiny.tar', type: 'application/x-tar', body: await tarOf(await frames(3, 1, 1)) }), expect: { failed: /frames are 1x1: too small for a film scan/ } },
  { name: 'a 16x16000 strip', upload: async () => ({ file: 'strip.tar', type: 'application/x-tar', body: await tarOf(await frames(3, 16, 16000)) }), expect: { failed: /frames are 16x16000: taller than 8192 pixels \(MAX_FRAME_HEIGHT\)/ } },
  { name: 'a 16x2000 strip', upload: async () => ({ file: 'thin.tar', type: 'application/x-tar', body: await tarOf(await frames(3, 16, 2000)) }), expect: { failed: /frames are 16x2000: an aspect ratio of 125\.0:1, beyond any film format/ } },
  { name: 'frames wider than 8K', upload: async () => ({ file: 'wide.tar', type: 'application/x-tar', body: await tarOf(await frames(2, 9000, 16)) }), expect: { failed: /frames are 9000x16: wider than 8192 pixels/ } },
  { name: 'a tar cut mid-frame', upload: async () => { const t = await tarOf(await frames(4)); return { file: 'cut.tar', type: 'application/x-tar', body: t.subarray(0, Math.floor(t.length * 0.6)) }; }, expect: { status: 422, detail: /the tar ends in the middle of f_000\d\.png .*cut short|no end-of-archive marker: the upload was cut short/ } },
  { name: 'a ProRes MOV cut in half', upload: async () => { const b = transcode(await clip('prores.mkv'), 'mov', ['-c:v', 'prores_ks', '-profile:v', '4', '-pix_fmt', 'yuv444p10le']); return { file: 'half.mov', type: 'video/quicktime', body: b.subarray(0, Math.floor(b.length / 2)) }; }, expect: { failed: /is an incomplete MP4\/MOV/ } },
  { name: 'an MJPEG AVI cut in half', upload: async () => { const b = transcode(await clip('mjpeg.mkv', 48), 'avi', ['-c:v', 'mjpeg', '-q:v', '3']); return { file: 'half.avi', type: 'video/x-msvideo', body: b.subarray(0, Math.floor(b.length / 2)) }; }, expect: { failed: /truncated|cannot be read|ends early|fewer frames/i } },
  { name: 'a DPX that is not one', upload: async () => ({ file: 'dpx.tar', type: 'application/x-tar', body: await tarOf([{ name: 'f_0001.dpx', body: Buffer.from('SDPX' + 'x'.repeat(3000)) }, { name: 'f_0002.dpx', body: Buffer.from('SDPX' + 'y'.repeat(3000)) }]) }), expect: { failed: /f_0001\.dpx (is not a readable DPX image|cannot be read)/ } },
];

/** A real clip, sent with a callbackUrl field before it (boundary "b"). */
async function withCallback(url: string): Promise<Buffer> {
  const head = `--b\r\nContent-Disposition: form-data; name="callbackUrl"\r\n\r\n${url}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.mkv"\r\nContent-Type: video/x-matroska\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), await clip('callback.mkv'), Buffer.from('\r\n--b--\r\n')]);
}

/** Requests that are wrong before any file is looked at: each gets its status and says what to fix. */
const requests: { name: string; path?: string; method?: string; type?: string; body: string | (() => Promise<Buffer>); status: number; detail: RegExp }[] = [
  { name: 'malformed JSON', type: 'application/json', body: '{"source": {"key": ', status: 400, detail: /JSON|json/ },
  { name: 'JSON that is not an object', type: 'application/json', body: '"reel.mkv"', status: 400, detail: /.+/ },
  { name: 'a source of the wrong shape', type: 'application/json', body: '{"source": {"key": 42}}', status: 400, detail: /source/ },
  { name: 'an unknown option', type: 'application/json', body: '{"source": {"key": "a.mkv"}, "options": {"speed": "max"}}', status: 400, detail: /speed|options/ },
  { name: 'chunkFrames out of range', type: 'application/json', body: '{"source": {"key": "a.mkv"}, "options": {"chunkFrames": 100000}}', status: 400, detail: /chunkFrames/ },
  { name: 'an unknown output format', type: 'application/json', body: '{"source": {"key": "a.mkv"}, "options": {"outputFormat": "gif"}}', status: 400, detail: /outputFormat/ },
  { name: 'a source key climbing out with ..', type: 'application/json', body: '{"source": {"key": "../../other/reel.mkv"}}', status: 400, detail: /not a valid object key/ },
  { name: 'a source key that is not there', type: 'application/json', body: '{"source": {"key": "missing/reel.mkv"}}', status: 404, detail: /missing\/reel\.mkv/ },
  { name: 'a callback to the metadata service', type: 'multipart/form-data; boundary=b', body: () => withCallback('http://169.254.169.254/latest/'), status: 422, detail: /non-public address/ },
  { name: 'a callback to NAT64 of the metadata service', type: 'multipart/form-data; boundary=b', body: () => withCallback('http://[64:ff9b::a9fe:a9fe]/'), status: 422, detail: /non-public address/ },
  { name: 'plain text', type: 'text/plain', body: 'hello', status: 400, detail: /expected object/ },
  { name: 'multipart with no file part', type: 'multipart/form-data; boundary=b', body: '--b\r\nContent-Disposition: form-data; name="chunkFrames"\r\n\r\n16\r\n--b--\r\n', status: 400, detail: /file/ },
  { name: 'multipart cut off before its end', type: 'multipart/form-data; boundary=b', body: '--b\r\nContent-Disposition: form-data; name="file"; filename="a.mkv"\r\nContent-Type: video/x-matroska\r\n\r\n\u001aE', status: 400, detail: /malformed|broke off|ended/ },
  { name: 'a frame name climbing out of a sequence upload', path: 'sequence', method: 'PUT', type: 'image/png', body: () => png(64, 48), status: 400, detail: /file name|valid|frame name/ },
];

describe('the bad-input corpus', () => {
  it('has at least 40 cases', () => expect(cases.length + requests.length).toBeGreaterThanOrEqual(40));

  it.each(requests.map((r) => [r.name, r] as const))('request: %s', async (_name, r) => {
    let url = `${stack.api.url}/v1/reels`;
    if (r.path === 'sequence') {
      const created = await fetch(`${stack.api.url}/v1/sequence-uploads`, { method: 'POST', headers: { authorization: `Bearer ${stack.keys.acme}` } });
      const { frameUrl } = (await created.json()) as { frameUrl: string };
      url = frameUrl.replace('{name}', '..%2F..%2Fescape.png');
    }
    const body = typeof r.body === 'string' ? r.body : await r.body();
    const res = await fetch(url, { method: r.method ?? 'POST', headers: { authorization: `Bearer ${stack.keys.acme}`, 'content-type': r.type ?? 'application/json' }, body });
    const answer = (await res.json()) as { detail?: string };
    expect(res.status, JSON.stringify(answer)).toBe(r.status);
    expect(answer.detail).toMatch(r.detail);
    expect(await stack.unfinishedJobs()).toBe(0);
    expect(stack.workersRunning()).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', { timeout: 60_000 }, async (_name, c) => {
    const { file, type, body } = await c.upload();
    const form = multipart(file, type, body);
    const res = await fetch(`${stack.api.url}/v1/reels`, { method: 'POST', headers: { authorization: `Bearer ${stack.keys.acme}`, ...form.headers }, body: form.body });
    const answer = (await res.json()) as { id?: string; detail?: string };
    if ('status' in c.expect) {
      expect(res.status, JSON.stringify(answer)).toBe(c.expect.status);
      expect(answer.detail).toMatch(c.expect.detail);
    } else {
      expect(res.status, JSON.stringify(answer)).toBe(202);
      const reel = await stack.waitFor(stack.client('acme'), answer.id!, undefined, 50_000);
      if ('failed' in c.expect) {
        expect(reel.state, reel.error).toBe('failed');
        expect(reel.error, reel.error).toMatch(c.expect.failed);
        // In the user's terms: no store paths, no job ids.
        expect(reel.error, reel.error).not.toMatch(/file:\/|reels\/|tenants\/|s3:\/\/|r[0-9a-z]{25}-/);
      } else {
        expect(reel.state, reel.error).toBe('completed');
        if (c.expect.warning) expect((reel as { warnings?: string[] }).warnings?.join(' ')).toMatch(c.expect.warning);
      }
    }
    await expect.poll(() => stack.unfinishedJobs(), { timeout: 15_000 }).toBe(0);
    expect(stack.workersRunning()).toBe(true);
  });
});

/** One multipart body with the file as its only part. */
function multipart(file: string, type: string, body: Buffer): { headers: Record<string, string>; body: Buffer } {
  const boundary = `----rrbad${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file}"\r\nContent-Type: ${type}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: Buffer.concat([head, body, tail]) };
}
