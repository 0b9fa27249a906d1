/**
 * The standing bad-input corpus: what an attacker or an unlucky archive sends, each case with the exact
 * answer a user should get (a 4xx with what is wrong, or a failed reel whose reason says what is wrong with
 * the input in the user's terms, never an internal path), and after each that no job is left waiting or
 * active and every worker is still running.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebhookBody } from '@reelrestore/shared/webhooks/deliver-webhook';
import { writeFfv1Video } from './support/clip-files.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

let stack: TestStack;
let work: string;

beforeAll(async () => {
  // MAX_FRAME_PIXELS at 1 MP, so one case can pass every other limit and fail on it with small frames.
  stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median', JOB_ATTEMPTS: '1', WEBHOOK_ALLOW_PRIVATE: 'false', MAX_FRAME_PIXELS: '1000000' } });
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
function transcode(src: Buffer, ext: string, args: string[], inputArgs: string[] = []): Buffer {
  const dir = mkdtempSync(join(work, 'tc-'));
  writeFileSync(join(dir, 'in.mkv'), src);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...inputArgs, '-i', join(dir, 'in.mkv'), ...args, join(dir, `out.${ext}`)]);
  return readFileSync(join(dir, `out.${ext}`));
}
function ffmpegMake(ext: string, args: string[]): Buffer {
  const dir = mkdtempSync(join(work, 'mk-'));
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args, join(dir, `out.${ext}`)]);
  return readFileSync(join(dir, `out.${ext}`));
}

/** Bytes that look random but are the same every run, so the answer that quotes the first of them is exact. */
function noise(n: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < n; i++) blocks.push(createHash('sha256').update(`bad-input ${i}`).digest());
  return Buffer.concat(blocks).subarray(0, n);
}
const NOISE = noise(64 * 1024);
const hexStart = (b: Buffer) => [...b.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** The first half of a file: an upload or a copy cut short. */
const half = (b: Buffer) => b.subarray(0, Math.floor(b.length / 2));
/** A copy with `from` to `to` (fractions of its length) overwritten: damage inside the file, its ends intact. */
function overwritten(b: Buffer, from: number, to: number): Buffer {
  const out = Buffer.from(b);
  out.fill(0x55, Math.floor(b.length * from), Math.floor(b.length * to));
  return out;
}
/** A copy with `from` to `to` (fractions) of an MP4's picture data (its mdat box) overwritten, its index intact. */
function mdatOverwritten(b: Buffer, from: number, to: number): Buffer {
  const out = Buffer.from(b);
  const at = out.indexOf('mdat') - 4;
  const size = out.readUInt32BE(at);
  out.fill(0x55, at + 8 + Math.floor((size - 8) * from), at + 8 + Math.floor((size - 8) * to));
  return out;
}
/** A copy with `bytes` bytes of the MP4/MOV box `box` overwritten after its header (the index's tables). */
function boxOverwritten(b: Buffer, box: string, bytes: number): Buffer {
  const out = Buffer.from(b);
  const at = out.indexOf(box);
  if (at < 0) throw new Error(`no ${box} box`);
  out.fill(0x55, at + 12, Math.min(out.length, at + 12 + bytes));
  return out;
}
/** A second input: a tone as long as the 16-frame clip (16/24 s), muxed beside its picture. */
const withTone = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.6667', '-map', '0:v', '-map', '1:a'];
const VIDEO_FAILS = 'reading the source: ';
const ACCEPTS = ': expected a video file (MOV/MKV/MP4/AVI/MXF) or an uncompressed tar of DPX/TIFF/PNG frames';

/** Frames the reel records that its source should hold, and frames decoded from it. */
type Frames = { expected: number; decoded: number };
type Expect = { status: number; detail: string } | { failed: string; frames?: Frames } | { completed: true; warnings?: string[]; frames?: Frames };
interface Case {
  name: string;
  upload: () => Promise<{ file: string; type: string; body: Buffer }> | { file: string; type: string; body: Buffer };
  expect: Expect;
}

const cases: Case[] = [
  { name: 'an empty file', upload: () => ({ file: 'empty.mkv', type: 'video/x-matroska', body: Buffer.alloc(0) }), expect: { status: 422, detail: "the uploaded file 'empty.mkv' is empty" } },
  { name: 'random bytes named .mkv', upload: () => ({ file: 'random.mkv', type: 'video/x-matroska', body: NOISE }), expect: { status: 415, detail: `received video/x-matroska 'random.mkv' (looks like unrecognised binary data (starts ${hexStart(NOISE)}))${ACCEPTS}` } },
  { name: 'a text file named .mp4', upload: () => ({ file: 'notes.mp4', type: 'video/mp4', body: Buffer.from('hello, this is not a video\n'.repeat(100)) }), expect: { status: 415, detail: `received video/mp4 'notes.mp4' (looks like text)${ACCEPTS}` } },
  { name: 'a PNG picture sent as a video', upload: async () => ({ file: 'frame.mkv', type: 'video/x-matroska', body: await png(64, 48) }), expect: { status: 415, detail: `received video/x-matroska 'frame.mkv' (looks like a single PNG image; send a tar of all frames)${ACCEPTS}` } },
  { name: 'an MKV cut in half', upload: async () => ({ file: 'half.mkv', type: 'video/x-matroska', body: half(await clip('half.mkv')) }), expect: { failed: `${VIDEO_FAILS}the video is truncated: its header declares 16 frames, but only 7 can be read; frames 8 to 16 are missing (the file was cut short, in the upload or before)`, frames: { expected: 16, decoded: 7 } } },
  // With another stream the container's duration may be the audio's: the video stream's own DURATION tag counts.
  { name: 'an MKV with an audio track, cut in half', upload: async () => ({ file: 'half-tone.mkv', type: 'video/x-matroska', body: half(transcode(await clip('tone.mkv'), 'mkv', [...withTone, '-c:v', 'copy', '-c:a', 'flac'])) }), expect: { failed: `${VIDEO_FAILS}the video is truncated: its header declares 16 frames, but only 8 can be read; frames 9 to 16 are missing (the file was cut short, in the upload or before)`, frames: { expected: 16, decoded: 8 } } },
  { name: 'an MP4 cut in half', upload: async () => ({ file: 'half.mp4', type: 'video/mp4', body: half(transcode(await clip('h264.mkv'), 'mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'])) }), expect: { failed: `${VIDEO_FAILS}the file is an incomplete or damaged MP4/MOV: its index (the moov atom) cannot be found, as when an upload or a copy is cut short` } },
  // Index first (faststart), so the cut keeps it: it lists 16 frames whose picture data is gone.
  { name: 'an MP4 with an audio track and its index first, cut in half', upload: async () => ({ file: 'half-tone.mp4', type: 'video/mp4', body: half(transcode(await clip('h264-tone.mkv'), 'mp4', [...withTone, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart'])) }), expect: { failed: `${VIDEO_FAILS}the video is damaged or truncated: its header declares 16 frames, but only 6 can be decoded (the file was cut short, in the upload or before, or its picture data is corrupt)`, frames: { expected: 16, decoded: 6 } } },
  // Legitimate files the probe must not refuse. A trim with -c copy keeps frames the decoder needs before the cut
  // and hides them with an edit list: the index lists more frames than are shown, and nothing complains.
  { name: 'an MP4 trimmed with -c copy (an edit list hides frames before the cut)', upload: async () => ({ file: 'trimmed.mp4', type: 'video/mp4', body: transcode(transcode(await clip('h264-trim.mkv'), 'mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-bf', '2', '-g', '8']), 'mp4', ['-c', 'copy'], ['-ss', '0.25']) }), expect: { completed: true, warnings: ["the video's index lists 16 frames, but 10 are shown (an edit list hides the others, as after a trim with -c copy): the reel has the 10 shown"], frames: { expected: 16, decoded: 10 } } },
  // mkvmerge's statistics (NUMBER_OF_FRAMES-eng) describe the file it made; ffmpeg copies them unchanged into a trim.
  { name: 'an MKV with an audio track trimmed by ffmpeg from one with mkvmerge statistics', upload: async () => ({ file: 'trimmed.mkv', type: 'video/x-matroska', body: transcode(transcode(await clip('stats.mkv'), 'mkv', [...withTone, '-c:v', 'copy', '-c:a', 'flac', '-metadata:s:v:0', 'NUMBER_OF_FRAMES-eng=16', '-metadata:s:v:0', '_STATISTICS_WRITING_APP-eng=mkvmerge v80.0']), 'mkv', ['-t', '0.4', '-c', 'copy']) }), expect: { completed: true, frames: { expected: 10, decoded: 10 } } },
  { name: 'an MP4 with its sample table overwritten', upload: async () => ({ file: 'stsz.mp4', type: 'video/mp4', body: boxOverwritten(transcode(await clip('h264-stsz.mkv'), 'mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']), 'stsz', 60) }), expect: { failed: `${VIDEO_FAILS}the file cannot be read: it is damaged, or not the format its name says` } },
  // H.264 conceals broken blocks and decodes every frame: the reel completes, with a warning quoting the decoder's
  // first complaint (ffmpeg's own words; the same bytes give the same words on every run of one ffmpeg build).
  { name: 'an MP4 with picture data overwritten', upload: async () => ({ file: 'data.mp4', type: 'video/mp4', body: mdatOverwritten(transcode(await clip('h264-data.mkv'), 'mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']), 0.6, 0.65) }), expect: { completed: true, warnings: ['the video\'s picture data is damaged: every frame decoded, but the decoder reported "left block unavailable for requested intra mode", so some frames may show patches of wrong picture'], frames: { expected: 16, decoded: 16 } } },
  { name: 'an MKV with its header overwritten', upload: async () => { const b = Buffer.from(await clip('corrupt.mkv')); b.fill(0x55, 4, 400); return { file: 'corrupt.mkv', type: 'video/x-matroska', body: b }; }, expect: { failed: `${VIDEO_FAILS}the file is not a readable Matroska (MKV) file: its header is damaged` } },
  { name: 'audio only', upload: () => ({ file: 'tone.mkv', type: 'video/x-matroska', body: ffmpegMake('mkv', ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'flac']) }), expect: { failed: `${VIDEO_FAILS}the file has no video stream (audio only?)` } },
  { name: 'a tar of no frames', upload: async () => ({ file: 'none.tar', type: 'application/x-tar', body: await tarOf([{ name: 'readme.txt', body: Buffer.from('hi') }]) }), expect: { status: 422, detail: 'the tar holds no DPX, TIFF or PNG frames' } },
  { name: 'an empty tar', upload: async () => ({ file: 'empty.tar', type: 'application/x-tar', body: await tarOf([]) }), expect: { status: 415, detail: `received application/x-tar 'empty.tar' (looks like unrecognised binary data (starts 00 00 00 00 00 00 00 00))${ACCEPTS}` } },
  { name: 'a tar with two frames of the same name', upload: async () => { const f = await frames(2); return { file: 'dup.tar', type: 'application/x-tar', body: await tarOf([f[0]!, { ...f[1]!, name: f[0]!.name }]) }; }, expect: { status: 422, detail: 'the tar holds two frames named "f_0001.png"' } },
  { name: 'a tar mixing PNG and DPX', upload: async () => { const f = await frames(2); return { file: 'mix.tar', type: 'application/x-tar', body: await tarOf([f[0]!, { name: 'f_0002.dpx', body: Buffer.alloc(2048, 1) }]) }; }, expect: { status: 422, detail: 'the tar mixes frame formats (png and dpx); send one format per reel' } },
  { name: 'a tar entry climbing out with ..', upload: async () => ({ file: 'climb.tar', type: 'application/x-tar', body: await tarOf([{ name: '../../etc/f_0001.png', body: await png(8, 8) }]) }), expect: { status: 422, detail: 'the tar entry "../../etc/f_0001.png" points outside the archive (".."); refused' } },
  // As tar itself does, a leading / is dropped: the frames land in the reel, nowhere else.
  { name: 'a tar of absolute paths', upload: async () => ({ file: 'abs.tar', type: 'application/x-tar', body: await tarOf((await frames(4)).map((f) => ({ ...f, name: `/tmp/${f.name}` }))) }), expect: { completed: true, frames: { expected: 4, decoded: 4 } } },
  { name: 'a tar with a symlink entry', upload: async () => ({ file: 'link.tar', type: 'application/x-tar', body: await tarOf([...(await frames(2)), { name: 'f_0003.png', type: 'symlink', linkname: '/etc/passwd' }]) }), expect: { status: 422, detail: 'the tar holds a link ("f_0003.png"); send the frames themselves' } },
  { name: 'a tar of frames in folders, with junk beside them', upload: async () => ({ file: 'junk.tar', type: 'application/x-tar', body: await tarOf([{ name: 'scans/', type: 'directory' }, ...(await frames(6)).map((f) => ({ ...f, name: `scans/${f.name}` })), { name: '.DS_Store', body: Buffer.from('junk') }, { name: 'Thumbs.db', body: Buffer.from('junk') }]) }), expect: { completed: true, frames: { expected: 6, decoded: 6 } } },
  { name: 'a text file named like a frame', upload: async () => ({ file: 'text.tar', type: 'application/x-tar', body: await tarOf([...(await frames(3)), { name: 'f_0004.png', body: Buffer.from('not an image at all') }]) }), expect: { failed: `${VIDEO_FAILS}f_0004.png is not a readable PNG image` } },
  { name: 'frames of different sizes', upload: async () => ({ file: 'sizes.tar', type: 'application/x-tar', body: await tarOf([...(await frames(3, 64, 48)), ...(await frames(2, 80, 48, 4))]) }), expect: { failed: `${VIDEO_FAILS}frames differ in size: f_0001.png is 64x48, f_0005.png is 80x48` } },
  // Reported, not fatal: 9 frames numbered, 6 there; the reel and report.json say which are missing.
  { name: 'a gap in the frame numbers', upload: async () => ({ file: 'gap.tar', type: 'application/x-tar', body: await tarOf([...(await frames(3)), ...(await frames(3, 64, 48, 7))]) }), expect: { completed: true, warnings: ['frames 0004 to 0006 are missing from the numbering (between f_0003.png and f_0007.png)'], frames: { expected: 9, decoded: 6 } } },
  { name: '1x1 frames', upload: async () => ({ file: 'tiny.tar', type: 'application/x-tar', body: await tarOf(await frames(3, 1, 1)) }), expect: { failed: `${VIDEO_FAILS}frames are 1x1: too small for a film scan (at least 16 pixels a side; MIN_FRAME_SIDE)` } },
  { name: 'a 16x16000 strip', upload: async () => ({ file: 'strip.tar', type: 'application/x-tar', body: await tarOf(await frames(3, 16, 16000)) }), expect: { failed: `${VIDEO_FAILS}frames are 16x16000: taller than 8192 pixels (MAX_FRAME_HEIGHT)` } },
  { name: 'a 16x2000 strip', upload: async () => ({ file: 'thin.tar', type: 'application/x-tar', body: await tarOf(await frames(3, 16, 2000)) }), expect: { failed: `${VIDEO_FAILS}frames are 16x2000: an aspect ratio of 125.0:1, beyond any film format (at most 6:1; MAX_ASPECT_RATIO)` } },
  { name: 'frames wider than 8K', upload: async () => ({ file: 'wide.tar', type: 'application/x-tar', body: await tarOf(await frames(2, 9000, 16)) }), expect: { failed: `${VIDEO_FAILS}frames are 9000x16: wider than 8192 pixels (MAX_FRAME_WIDTH)` } },
  // Within width, height and aspect ratio, over the pixel count (set to 1 MP for this suite).
  { name: 'frames of more pixels than allowed', upload: async () => ({ file: 'big.tar', type: 'application/x-tar', body: await tarOf(await frames(2, 1200, 1000)) }), expect: { failed: `${VIDEO_FAILS}frames are 1200x1000: more than 1000000 pixels a frame (MAX_FRAME_PIXELS)` } },
  { name: 'a tar cut mid-frame', upload: async () => { const t = await tarOf(await frames(4)); return { file: 'cut.tar', type: 'application/x-tar', body: t.subarray(0, Math.floor(t.length * 0.6)) }; }, expect: { status: 422, detail: 'the tar has no end-of-archive marker: the upload was cut short' } },
  { name: 'a ProRes MOV cut in half', upload: async () => ({ file: 'half.mov', type: 'video/quicktime', body: half(transcode(await clip('prores.mkv'), 'mov', ['-c:v', 'prores_ks', '-profile:v', '4', '-pix_fmt', 'yuv444p10le'])) }), expect: { failed: `${VIDEO_FAILS}the file is an incomplete or damaged MP4/MOV: its index (the moov atom) cannot be found, as when an upload or a copy is cut short` } },
  { name: 'a ProRes MOV with its index overwritten', upload: async () => ({ file: 'moov.mov', type: 'video/quicktime', body: boxOverwritten(transcode(await clip('prores-moov.mkv'), 'mov', ['-c:v', 'prores_ks', '-profile:v', '4', '-pix_fmt', 'yuv444p10le']), 'moov', 200) }), expect: { failed: `${VIDEO_FAILS}the file holds no stream that can be read: it is damaged, or not the format its name says` } },
  { name: 'a ProRes MOV with picture data overwritten', upload: async () => ({ file: 'data.mov', type: 'video/quicktime', body: overwritten(transcode(await clip('prores-data.mkv'), 'mov', ['-c:v', 'prores_ks', '-profile:v', '4', '-pix_fmt', 'yuv444p10le']), 0.3, 0.45) }), expect: { failed: `${VIDEO_FAILS}the video is damaged or truncated: its header declares 16 frames, but only 13 can be decoded (the file was cut short, in the upload or before, or its picture data is corrupt)`, frames: { expected: 16, decoded: 13 } } },
  { name: 'an MJPEG AVI cut in half', upload: async () => ({ file: 'half.avi', type: 'video/x-msvideo', body: half(transcode(await clip('mjpeg.mkv', 48), 'avi', ['-c:v', 'mjpeg', '-q:v', '3'])) }), expect: { failed: `${VIDEO_FAILS}the video is damaged or truncated: its header declares 48 frames, but only 21 can be decoded (the file was cut short, in the upload or before, or its picture data is corrupt)`, frames: { expected: 48, decoded: 21 } } },
  { name: 'an MJPEG AVI with picture data overwritten', upload: async () => ({ file: 'data.avi', type: 'video/x-msvideo', body: overwritten(transcode(await clip('mjpeg-data.mkv', 48), 'avi', ['-c:v', 'mjpeg', '-q:v', '3']), 0.3, 0.45) }), expect: { failed: `${VIDEO_FAILS}the video is damaged or truncated: its header declares 48 frames, but only 39 can be decoded (the file was cut short, in the upload or before, or its picture data is corrupt)`, frames: { expected: 48, decoded: 39 } } },
  { name: 'a DPX that is not one', upload: async () => ({ file: 'dpx.tar', type: 'application/x-tar', body: await tarOf([{ name: 'f_0001.dpx', body: Buffer.from('SDPX' + 'x'.repeat(3000)) }, { name: 'f_0002.dpx', body: Buffer.from('SDPX' + 'y'.repeat(3000)) }]) }), expect: { failed: `${VIDEO_FAILS}f_0001.dpx is not a readable DPX image` } },
];

/** A real clip, sent with a callbackUrl field before it (boundary "b"). */
async function withCallback(url: string): Promise<Buffer> {
  const head = `--b\r\nContent-Disposition: form-data; name="callbackUrl"\r\n\r\n${url}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.mkv"\r\nContent-Type: video/x-matroska\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), await clip('callback.mkv'), Buffer.from('\r\n--b--\r\n')]);
}

/** Requests that are wrong before any file is looked at: each gets its status and says what to fix. */
const requests: { name: string; path?: string; method?: string; type?: string; body: string | (() => Promise<Buffer>); status: number; detail: string }[] = [
  { name: 'malformed JSON', type: 'application/json', body: '{"source": {"key": ', status: 400, detail: "Body is not valid JSON but content-type is set to 'application/json'" },
  { name: 'JSON that is not an object', type: 'application/json', body: '"reel.mkv"', status: 400, detail: 'body: Invalid input: expected object, received string' },
  { name: 'a source of the wrong shape', type: 'application/json', body: '{"source": {"key": 42}}', status: 400, detail: 'source: source must be {"upload": "<id>"} (a finished upload), {"key": "<key>"} (a video) or {"prefix": "<folder/>"} (image frames) within your sources (tenants/<tenant>/sources/ in the store), or either of those with "external": "<name>" for a registered archive bucket' },
  { name: 'an unknown option', type: 'application/json', body: '{"source": {"key": "a.mkv"}, "options": {"speed": "max"}}', status: 400, detail: 'options: Unrecognized key: "speed"' },
  { name: 'chunkFrames out of range', type: 'application/json', body: '{"source": {"key": "a.mkv"}, "options": {"chunkFrames": 100000}}', status: 400, detail: 'options.chunkFrames: Too big: expected number to be <=256' },
  { name: 'an unknown output format', type: 'application/json', body: '{"source": {"key": "a.mkv"}, "options": {"outputFormat": "gif"}}', status: 400, detail: 'options.outputFormat: Invalid option: expected one of "ffv1"|"prores4444"' },
  { name: 'a source key climbing out with ..', type: 'application/json', body: '{"source": {"key": "../../other/reel.mkv"}}', status: 400, detail: 'source.key "../../other/reel.mkv" is not a valid object key (letters, digits, . _ - separated by /, no "..")' },
  { name: 'a source key that is not there', type: 'application/json', body: '{"source": {"key": "missing/reel.mkv"}}', status: 404, detail: 'source.key "missing/reel.mkv": no such object in your sources' },
  { name: 'a callback to the metadata service', type: 'multipart/form-data; boundary=b', body: () => withCallback('http://169.254.169.254/latest/'), status: 422, detail: 'callbackUrl host "169.254.169.254" resolves to a non-public address (169.254.169.254)' },
  { name: 'a callback to NAT64 of the metadata service', type: 'multipart/form-data; boundary=b', body: () => withCallback('http://[64:ff9b::a9fe:a9fe]/'), status: 422, detail: 'callbackUrl host "64:ff9b::a9fe:a9fe" resolves to a non-public address (64:ff9b::a9fe:a9fe)' },
  { name: 'plain text', type: 'text/plain', body: 'hello', status: 400, detail: 'body: Invalid input: expected object, received string' },
  { name: 'multipart with no file part', type: 'multipart/form-data; boundary=b', body: '--b\r\nContent-Disposition: form-data; name="chunkFrames"\r\n\r\n16\r\n--b--\r\n', status: 400, detail: 'no file: send the reel as the multipart file field "file"' },
  { name: 'multipart cut off before its end', type: 'multipart/form-data; boundary=b', body: '--b\r\nContent-Disposition: form-data; name="file"; filename="a.mkv"\r\nContent-Type: video/x-matroska\r\n\r\n\u001aE', status: 400, detail: 'the file part broke off: Unexpected end of multipart data' },
  { name: 'a frame name climbing out of a sequence upload', path: 'sequence', method: 'PUT', type: 'image/png', body: () => png(64, 48), status: 400, detail: 'frame name "../../escape.png" is not a DPX, TIFF or PNG file name (letters, digits, . _ -)' },
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
    expect(answer.detail).toBe(r.detail);
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
      expect(answer.detail).toBe(c.expect.detail);
    } else {
      expect(res.status, JSON.stringify(answer)).toBe(202);
      const reel = await stack.waitFor(stack.client('acme'), answer.id!, undefined, 50_000);
      // Counts as the user reads them: in the reel's status (and, once completed, in report.json).
      const rec = await stack.deps.reels.get(answer.id!);
      const frames = { expected: reel.expectedFrames, decoded: reel.decodedFrames };
      if ('failed' in c.expect) {
        expect(reel.state, reel.error).toBe('failed');
        expect(reel.error).toBe(c.expect.failed);
        if (c.expect.frames) expect(frames).toEqual(c.expect.frames);
        // In the user's terms: no store paths, no job ids, in the status or in the reel.failed webhook's body.
        const noPaths = /file:\/|reels\/|tenants\/|s3:\/\/|r[0-9a-z]{25}-/;
        expect(reel.error, reel.error).not.toMatch(noPaths);
        const hook = buildWebhookBody(rec!, 'reel.failed', new Date());
        expect(hook.data.error).toBe(c.expect.failed);
        expect(JSON.stringify(hook), JSON.stringify(hook)).not.toMatch(noPaths);
      } else {
        expect(reel.state, reel.error).toBe('completed');
        expect((reel as { warnings?: string[] }).warnings).toEqual(c.expect.warnings);
        if (c.expect.frames) expect(frames).toEqual(c.expect.frames);
        if (c.expect.frames) {
          const report = (await (await fetch(`${stack.api.url}/v1/reels/${answer.id}/report`, { headers: { authorization: `Bearer ${stack.keys.acme}` } })).json()) as { expectedFrames?: number; decodedFrames?: number; warnings?: string[] };
          expect({ expected: report.expectedFrames, decoded: report.decodedFrames }).toEqual(c.expect.frames);
          expect(report.warnings).toEqual(c.expect.warnings);
        }
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
