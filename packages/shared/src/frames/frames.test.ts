// Integration tests with the real ffmpeg/ffprobe: clips are made here, from frames whose pixel values
// encode their own index, so "frame N out is frame N in" is checked sample for sample.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import {
  bitsFromPixFmt,
  bytesPerFrame,
  declaredFrames,
  decodeFrames,
  scanShots,
  ffprobeJson,
  openPreviewWriter,
  openVideoWriter,
  pickFps,
  probeSequence,
  probeVideo,
  runFfmpeg,
  runFfmpegToBuffer,
  sequencePixFmt,
  shotsFromCuts,
  writeSequenceFrame,
  type FfprobeStream,
  type Frame,
  type FrameLayout,
  type MediaInfo,
  type Samples,
} from './index.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelrestore-frames-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const W = 64;
const H = 48;

/** A frame whose every sample depends on its index, so any off-by-one shows up as a mismatch. */
function patternFrame(layout: FrameLayout, i: number): Samples {
  const { width, height, channels, bits } = layout;
  const out = bits === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  const mask = bits === 16 ? 0xffff : 0xff;
  const mul = bits === 16 ? 4099 : 37;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        out[(y * width + x) * channels + c] = (i * mul + x * (3 + c * 250) + y * (5 + c * 61) + c * 17) & mask;
      }
    }
  }
  return out;
}

const rawFmt = (l: FrameLayout) => (l.channels === 1 ? (l.bits === 16 ? 'gray16le' : 'gray') : l.bits === 16 ? 'rgb48le' : 'rgb24');

/** Writes frames as a raw file ffmpeg can read with `rawInput`. */
async function writeRaw(name: string, frames: Samples[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, Buffer.concat(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))));
  return path;
}

function rawInput(l: FrameLayout, path: string, fps = '25'): string[] {
  return ['-f', 'rawvideo', '-pixel_format', rawFmt(l), '-video_size', `${l.width}x${l.height}`, '-framerate', fps, '-i', path];
}

async function collect(gen: AsyncGenerator<Frame>): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of gen) out.push(f);
  return out;
}

function expectFramesEqual(got: Frame[], start: number, count: number, expected: (i: number) => Samples): void {
  expect(got.map((f) => f.index)).toEqual(Array.from({ length: count }, (_, k) => start + k));
  for (const f of got) {
    const want = expected(f.index);
    expect(f.data.constructor).toBe(want.constructor);
    // Buffer.compare is far faster than a deep equal on thousands of samples, and reports the frame.
    const a = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    const b = Buffer.from(want.buffer, want.byteOffset, want.byteLength);
    expect(Buffer.compare(a, b), `frame ${f.index}`).toBe(0);
  }
}

const GRAY8: FrameLayout = { width: W, height: H, channels: 1, bits: 8 };
const GRAY16: FrameLayout = { width: W, height: H, channels: 1, bits: 16 };
const RGB24: FrameLayout = { width: W, height: H, channels: 3, bits: 8 };
const RGB48: FrameLayout = { width: W, height: H, channels: 3, bits: 16 };

/** H.264 is lossy: the index lives in the brightness of the whole frame (20 + 6 i), plus a moving square. */
const MARK = { width: 160, height: 120, frames: 36 };
function markerFrame(i: number): Uint8Array {
  const { width, height } = MARK;
  const f = new Uint8Array(width * height * 3).fill(20 + 6 * i);
  const left = (i * 4) % (width - 8);
  for (let y = 0; y < 8; y++) f.fill(255, (y * width + left) * 3, (y * width + left + 8) * 3);
  return f;
}
function markerIndex(f: Samples): number {
  const { width, height } = MARK;
  let sum = 0;
  let n = 0;
  for (let y = height / 4; y < (3 * height) / 4; y++) {
    for (let x = width / 4; x < (3 * width) / 4; x++) {
      sum += f[(y * width + x) * 3 + 1] ?? 0;
      n++;
    }
  }
  return Math.round((sum / n - 20) / 6);
}

describe('probe and decode video', () => {
  let ffv1Gray8: string;
  let h264: string;

  beforeAll(async () => {
    // FFV1 grey, 24000/1001, with an audio track that starts 0.4 s before the video.
    const raw = await writeRaw('g8.raw', Array.from({ length: 30 }, (_, i) => patternFrame(GRAY8, i)));
    ffv1Gray8 = join(dir, 'g8-offset.mkv');
    await runFfmpeg([
      '-f', 'lavfi', '-t', '1.8', '-i', 'anullsrc=r=8000:cl=mono',
      '-itsoffset', '0.4', ...rawInput(GRAY8, raw, '24000/1001'),
      '-map', '1:v', '-map', '0:a', '-c:v', 'ffv1', '-c:a', 'pcm_s16le', ffv1Gray8,
    ]);
    const rawMark = await writeRaw('mark.raw', Array.from({ length: MARK.frames }, (_, i) => markerFrame(i)));
    h264 = join(dir, 'mark.mp4');
    await runFfmpeg([
      ...rawInput({ width: MARK.width, height: MARK.height, channels: 3, bits: 8 }, rawMark),
      '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '10', '-crf', '18', '-pix_fmt', 'yuv420p', h264,
    ]);
  });

  it('reads FFV1/MKV: counted frames, rational fps, grey 8-bit, video start offset', async () => {
    const m = await probeVideo(ffv1Gray8);
    expect(m).toMatchObject({ kind: 'video', frameCount: 30, fps: { num: 24000, den: 1001 }, codec: 'ffv1', pixFmt: 'gray', sourceBits: 8 });
    expect(m.layout).toEqual(GRAY8);
    expect(m.container).toBe('matroska,webm');
    expect(m.startTime).toBeGreaterThan(0.35);
  });

  it('reads ProRes 4444/MOV as a >8-bit RGB source', async () => {
    const path = join(dir, 'p.mov');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=25:d=0.4', '-c:v', 'prores_ks', '-profile:v', '4', '-pix_fmt', 'yuv444p10le', path]);
    const m = await probeVideo(path);
    expect(m).toMatchObject({ frameCount: 10, fps: { num: 25, den: 1 }, codec: 'prores', container: 'mov,mp4,m4a,3gp,3g2,mj2' });
    expect(m.sourceBits).toBeGreaterThanOrEqual(10);
    expect(m.layout).toEqual({ width: 64, height: 48, channels: 3, bits: 16 });
  });

  it('reads H.264/MP4', async () => {
    const m = await probeVideo(h264);
    expect(m).toMatchObject({ frameCount: MARK.frames, fps: { num: 25, den: 1 }, codec: 'h264', pixFmt: 'yuv420p', sourceBits: 8 });
    expect(m.layout).toEqual({ width: MARK.width, height: MARK.height, channels: 3, bits: 8 });
  });

  it('rejects what is not a usable video with BadInputError', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'this is not a video\n'.repeat(50));
    await expect(probeVideo(text)).rejects.toThrow(BadInputError);
    // Said in the user's terms: what is wrong with the file, not which tool failed or where the file is kept.
    await expect(probeVideo(text)).rejects.toThrow(/^the file (is an incomplete or damaged MP4\/MOV|cannot be read)/);

    const whole = await readFile(h264);
    const truncated = join(dir, 'truncated.mp4');
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2))); // moov is at the end
    await expect(probeVideo(truncated)).rejects.toBeInstanceOf(BadInputError);

    const wav = join(dir, 'audio.wav');
    await runFfmpeg(['-f', 'lavfi', '-t', '0.2', '-i', 'anullsrc=r=8000:cl=mono', wav]);
    await expect(probeVideo(wav)).rejects.toThrow(/no video stream/);

    const fakePng = join(dir, 'fake.png');
    await writeFile(fakePng, 'not a png');
    await expect(probeSequence([fakePng], ['fake.png'])).rejects.toBeInstanceOf(BadInputError);
    await expect(probeSequence([text], ['notes.jpg'])).rejects.toThrow(/not a PNG, TIFF or DPX/);
  });

  it('decodes a middle range of FFV1 8-bit grey exactly, seeking past a video start offset', async () => {
    const media = await probeVideo(ffv1Gray8);
    expectFramesEqual(await collect(decodeFrames({ media, urls: [ffv1Gray8], start: 12, end: 17 })), 12, 5, (i) => patternFrame(GRAY8, i));
    expectFramesEqual(await collect(decodeFrames({ media, urls: [ffv1Gray8], start: 0, end: 3 })), 0, 3, (i) => patternFrame(GRAY8, i));
    expectFramesEqual(await collect(decodeFrames({ media, urls: [ffv1Gray8], start: 27, end: 30 })), 27, 3, (i) => patternFrame(GRAY8, i));
  });

  it('decodes H.264 (B-frames, GOP 10) frame-accurately', async () => {
    const media = await probeVideo(h264);
    for (const start of [7, 13, 31]) {
      const frames = await collect(decodeFrames({ media, urls: [h264], start, end: start + 5 }));
      expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4].map((k) => start + k));
      expect(frames.map((f) => markerIndex(f.data))).toEqual(frames.map((f) => f.index));
    }
  });

  it('rejects ranges outside the source and stops on abort', async () => {
    const media = await probeVideo(h264);
    await expect(collect(decodeFrames({ media, urls: [h264], start: 30, end: 40 }))).rejects.toThrow(RangeError);
    // A source shorter than its probe claims fails loudly instead of returning a short chunk.
    const longer = { ...media, frameCount: 40 };
    await expect(collect(decodeFrames({ media: longer, urls: [h264], start: 33, end: 38 }))).rejects.toThrow(/ended at frame 36/);
    const ac = new AbortController();
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const f of decodeFrames({ media, urls: [h264], start: 0, end: MARK.frames, signal: ac.signal })) {
          got.push(f.index);
          if (f.index === 2) ac.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(got.length).toBeLessThan(MARK.frames);
  });
});

describe('decodeFrames', () => {
  it('keeps FFV1 16-bit grey values exactly', async () => {
    const raw = await writeRaw('g16.raw', Array.from({ length: 20 }, (_, i) => patternFrame(GRAY16, i)));
    const path = join(dir, 'g16.mkv');
    // 24000/1001 in Matroska's millisecond timebase: frame times are rounded, some of them down.
    await runFfmpeg([...rawInput(GRAY16, raw, '24000/1001'), '-c:v', 'ffv1', '-level', '3', path]);
    const media = await probeVideo(path);
    expect(media).toMatchObject({ pixFmt: 'gray16le', sourceBits: 16, frameCount: 20, layout: GRAY16 });
    for (const start of [9, 12, 15]) {
      const frames = await collect(decodeFrames({ media, urls: [path], start, end: start + 5 }));
      expectFramesEqual(frames, start, 5, (i) => patternFrame(GRAY16, i));
    }
  });

  it('decodes PNG sequences (8-bit RGB, 16-bit grey) frame by frame', async () => {
    for (const layout of [RGB24, GRAY16]) {
      const sub = join(dir, `seq-${rawFmt(layout)}`);
      await mkdir(sub);
      const raw = await writeRaw(`seq-${rawFmt(layout)}.raw`, Array.from({ length: 12 }, (_, i) => patternFrame(layout, i)));
      await runFfmpeg([...rawInput(layout, raw), '-start_number', '0', join(sub, 'f_%04d.png')]);
      const names = (await readdir(sub)).sort();
      const urls = names.map((n) => join(sub, n));
      const media = await probeSequence(urls, names);
      expect(media).toMatchObject({ kind: 'sequence', frameCount: 12, layout, sequence: { format: 'png', files: names } });
      expect(media.sourceBits).toBe(layout.bits);
      // Only the requested range needs URLs, as readSourceFrames passes them.
      const sparse = urls.map((u, i) => (i >= 4 && i < 9 ? u : ''));
      expectFramesEqual(await collect(decodeFrames({ media, urls: sparse, start: 4, end: 9 })), 4, 5, (i) => patternFrame(layout, i));
    }
  });

  // PNG frames are decoded in-process where that gives ffmpeg's samples, by ffmpeg otherwise: whichever does
  // it, every kind of PNG must come out exactly as ffmpeg alone decodes it into the reel's layout.
  it('decodes every kind of PNG to exactly what ffmpeg makes of it', async () => {
    const sub = join(dir, 'png-kinds');
    await mkdir(sub);
    const source = join(sub, 'source.png');
    await runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${W}x${H}`, '-frames:v', '1', source]);
    const png = async (name: string, pixFmt: string) => {
      await runFfmpeg(['-i', source, '-pix_fmt', pixFmt, join(sub, name)]);
      return name;
    };
    // A colour profile ffmpeg ignores: converting by it would change every sample.
    await sharp(source).withIccProfile('p3').png().toFile(join(sub, 'icc.png'));
    const kinds: string[][] = [
      [await png('rgb24.png', 'rgb24')],
      [await png('rgb48.png', 'rgb48be')],
      [await png('gray.png', 'gray')],
      [await png('gray16.png', 'gray16be')],
      [await png('pal8.png', 'pal8')],
      [await png('mono.png', 'monob')],
      [await png('rgba.png', 'rgba')],
      [await png('rgba64.png', 'rgba64be')],
      [await png('ya8.png', 'ya8')],
      ['icc.png'],
      // Frames of another kind than the first: converted into the reel's layout.
      ['rgb24.png', 'gray.png', 'rgba.png', 'rgb48.png'],
      ['rgb48.png', 'rgb24.png', 'gray16.png'],
      ['gray.png', 'rgb24.png', 'gray16.png'],
    ];
    for (const names of kinds) {
      const urls = names.map((n) => join(sub, n));
      const media = await probeSequence(urls, names);
      const got = await collect(decodeFrames({ media, urls, start: 0, end: names.length }));
      const size = bytesPerFrame(media.layout);
      for (const [i, url] of urls.entries()) {
        const want = await runFfmpegToBuffer(['-i', url, '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int', '-f', 'rawvideo', '-pix_fmt', rawFmt(media.layout), 'pipe:1'], { maxBytes: size * 2 });
        const data = got[i]!.data;
        expect(data.constructor, names[i]).toBe(media.layout.bits === 16 ? Uint16Array : Uint8Array);
        expect(Buffer.compare(Buffer.from(data.buffer, data.byteOffset, data.byteLength), want), `${names[i]} in a reel of ${names[0]}`).toBe(0);
      }
    }
  });

  it('fails a PNG of another size with the reason ffmpeg gives, and a damaged PNG likewise', async () => {
    const sub = join(dir, 'png-bad');
    await mkdir(sub);
    await runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${W}x${H}`, '-frames:v', '1', join(sub, 'a.png')]);
    await runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${W * 2}x${H}`, '-frames:v', '1', join(sub, 'b.png')]);
    const whole = await readFile(join(sub, 'a.png'));
    await writeFile(join(sub, 'c.png'), whole.subarray(0, whole.length >> 1));
    const names = ['a.png', 'b.png', 'c.png', 'a.png'];
    const urls = names.map((n) => join(sub, n));
    const media = await probeSequence(urls, names);
    const at = (i: number) => collect(decodeFrames({ media, urls, start: i, end: i + 1 }));
    await expect(at(1)).rejects.toThrow(`b.png does not match the sequence's ${W}x${H} frames`);
    await expect(at(2)).rejects.toThrow(/^c\.png could not be decoded/);
  });
});

describe('openVideoWriter', () => {
  it.each([GRAY8, GRAY16, RGB24, RGB48])('FFV1 round trip is exact for %o', async (layout) => {
    const path = join(dir, `w-${rawFmt(layout)}.mkv`);
    const w = await openVideoWriter({ layout, fps: { num: 24000, den: 1001 }, outPath: path, codec: 'ffv1' });
    for (let i = 0; i < 4; i++) await w.write(patternFrame(layout, i));
    await w.close();
    expect(w.frames).toBe(4);
    const media = await probeVideo(path);
    expect(media).toMatchObject({ codec: 'ffv1', frameCount: 4, fps: { num: 24000, den: 1001 }, layout });
    expectFramesEqual(await collect(decodeFrames({ media, urls: [path], start: 0, end: 4 })), 0, 4, (i) => patternFrame(layout, i));
  });

  it('writes ProRes 4444 close to the input', async () => {
    const path = join(dir, 'w.mov');
    const layout = RGB48;
    const w = await openVideoWriter({ layout, fps: { num: 24, den: 1 }, outPath: path, codec: 'prores4444' });
    const flat = (i: number) => new Uint16Array(W * H * 3).fill(10000 + i * 5000);
    for (let i = 0; i < 3; i++) await w.write(flat(i));
    await w.close();
    const media = await probeVideo(path);
    expect(media).toMatchObject({ codec: 'prores', frameCount: 3, fps: { num: 24, den: 1 } });
    for (const f of await collect(decodeFrames({ media, urls: [path], start: 0, end: 3 }))) {
      const want = 10000 + f.index * 5000;
      expect(Math.abs((f.data[100] ?? 0) - want)).toBeLessThan(400);
    }
  });

  it('rejects frames of the wrong size and removes the file on abort', async () => {
    const path = join(dir, 'aborted.mkv');
    const w = await openVideoWriter({ layout: GRAY8, fps: { num: 25, den: 1 }, outPath: path, codec: 'ffv1' });
    await expect(w.write(new Uint8Array(10))).rejects.toThrow(/expected/);
    await expect(w.write(new Uint16Array(W * H))).rejects.toThrow(/expected/);
    await w.write(patternFrame(GRAY8, 0));
    await w.abort();
    expect((await readdir(dir)).includes('aborted.mkv')).toBe(false);
  });
});

describe('openPreviewWriter', () => {
  it('makes a playable, scaled MP4', async () => {
    const path = join(dir, 'preview.mp4');
    const layout: FrameLayout = { width: 400, height: 300, channels: 3, bits: 16 };
    const w = await openPreviewWriter({ layout, fps: { num: 24000, den: 1001 }, outPath: path, maxWidth: 320 });
    for (let i = 0; i < 10; i++) await w.write(patternFrame(layout, i));
    await w.close();
    const info = await ffprobeJson(path);
    const v = info.streams?.find((s) => s.codec_type === 'video');
    expect(v).toMatchObject({ width: 320, height: 240, pix_fmt: 'yuv420p', nb_frames: '10' });
    expect(['h264', 'mpeg4']).toContain(v?.codec_name);
    expect(info.format?.format_name).toContain('mp4');
  });
});

describe('writeSequenceFrame', () => {
  const cases: { name: string; format: 'png' | 'tiff' | 'dpx'; make: string[] }[] = [
    { name: 'png rgb24', format: 'png', make: ['-pix_fmt', 'rgb24'] },
    { name: 'png gray', format: 'png', make: ['-pix_fmt', 'gray'] },
    { name: 'png gray16', format: 'png', make: ['-pix_fmt', 'gray16be'] },
    { name: 'png rgb48', format: 'png', make: ['-pix_fmt', 'rgb48be'] },
    { name: 'tiff gray16', format: 'tiff', make: ['-pix_fmt', 'gray16le'] },
    { name: 'tiff rgb48', format: 'tiff', make: ['-pix_fmt', 'rgb48le'] },
    { name: 'tiff rgb24', format: 'tiff', make: ['-pix_fmt', 'rgb24'] },
    { name: 'dpx 10-bit', format: 'dpx', make: ['-pix_fmt', 'gbrp10le'] },
    { name: 'dpx rgb48be', format: 'dpx', make: ['-pix_fmt', 'rgb48be'] },
  ];

  it.each(cases)('decode -> encode -> decode is exact: $name', async ({ name, format, make }) => {
    const ext = format;
    const src = join(dir, `src-${name.replace(/\W/g, '_')}.${ext}`);
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=25', '-frames:v', '1', ...make, '-c:v', format, '-f', 'image2pipe', src]);
    const media = await probeSequence([src], [`a.${ext}`]);
    const [frame] = await collect(decodeFrames({ media, urls: [src], start: 0, end: 1 }));
    if (!frame) throw new Error('no frame');
    const out = join(dir, `out-${name.replace(/\W/g, '_')}.${ext}`);
    await writeSequenceFrame({ layout: media.layout, format, pixFmt: media.pixFmt, data: frame.data, outPath: out });
    const again = await probeSequence([out], [`b.${ext}`]);
    expect(again.layout).toEqual(media.layout);
    expect(again.sourceBits).toBe(media.sourceBits);
    if (format === 'dpx') expect(again.pixFmt).toBe(media.pixFmt);
    const [back] = await collect(decodeFrames({ media: again, urls: [out], start: 0, end: 1 }));
    expectFramesEqual(back ? [back] : [], 0, 1, () => frame.data);
    // Read by ffmpeg alone too: an encoder and decoder that agreed on a wrong byte order would pass the above.
    const { layout } = media;
    const byFfmpeg = await runFfmpegToBuffer(['-i', out, '-f', 'rawvideo', '-pix_fmt', rawFmt(layout), 'pipe:1'], { maxBytes: 1 << 20 });
    expect(Buffer.compare(byFfmpeg, Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength))).toBe(0);
  });
});

describe('scanShots', () => {
  // testsrc2 for 17 frames, then colour bars: a hard cut between frames 16 and 17.
  const CUT = 17;
  const TOTAL = 30;
  let clip: string;
  let media: MediaInfo;

  beforeAll(async () => {
    clip = join(dir, 'cut.mp4');
    await runFfmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25:d=0.68[a];smptehdbars=s=160x120:r=25:d=0.52[b];[a][b]concat=n=2:v=1',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', clip,
    ]);
    media = await probeVideo(clip);
  });

  it('finds a hard cut at the exact frame in a video', async () => {
    expect(media.frameCount).toBe(TOTAL);
    const { shots } = await scanShots({ media, urls: [clip], threshold: 10 });
    expect(shots).toEqual([
      { index: 0, start: 0, end: CUT },
      { index: 1, start: CUT, end: TOTAL },
    ]);
  });

  it('finds the same cut over an image sequence', async () => {
    const sub = join(dir, 'cutseq');
    await mkdir(sub);
    await runFfmpeg(['-i', clip, '-start_number', '0', join(sub, 'f_%04d.png')]);
    const names = (await readdir(sub)).sort();
    const seq = await probeSequence(names.map((n) => join(sub, n)), names);
    const { shots } = await scanShots({ media: seq, urls: names.map((n) => join(sub, n)), threshold: 10 });
    expect(shots.map((s) => [s.start, s.end])).toEqual([
      [0, CUT],
      [CUT, TOTAL],
    ]);
  });

  it('treats a very high threshold as no cuts, and folds short shots into the previous one', async () => {
    expect((await scanShots({ media, urls: [clip], threshold: 100 })).shots).toEqual([{ index: 0, start: 0, end: TOTAL }]);
    expect(shotsFromCuts([1, 10, 11, 20], 22)).toEqual([
      { index: 0, start: 0, end: 11 },
      { index: 1, start: 11, end: 22 },
    ]);
    expect(shotsFromCuts([], 2)).toEqual([{ index: 0, start: 0, end: 2 }]);
    expect(shotsFromCuts([5, 5, 0, 99], 10)).toEqual([
      { index: 0, start: 0, end: 5 },
      { index: 1, start: 5, end: 10 },
    ]);
  });
});

describe('pure helpers', () => {
  it('derives bits per component from pix_fmt names', () => {
    const cases: [string, number][] = [
      ['yuv422p10le', 10],
      ['gray16be', 16],
      ['rgb48be', 16],
      ['rgba64le', 16],
      ['rgba', 8],
      ['gray', 8],
      ['pal8', 8],
      ['ya8', 8],
      ['gbrp12le', 12],
      ['p010le', 10],
      ['rgb565le', 8],
    ];
    for (const [fmt, bits] of cases) expect(bitsFromPixFmt(fmt), fmt).toBe(bits);
  });

  it('picks the nicer rational frame rate', () => {
    expect(pickFps('24000/1001', '1001000/41791')).toEqual({ num: 24000, den: 1001 });
    expect(pickFps('60000/1001', '30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(pickFps('0/0', '50/2')).toEqual({ num: 25, den: 1 });
    expect(pickFps('0/0', '0/0')).toBeNull();
  });

  it('keeps a DPX pixel format the encoder supports, else the closest lossless one', () => {
    expect(sequencePixFmt('dpx', { channels: 3, bits: 16 }, 'gbrp10le')).toBe('gbrp10le');
    expect(sequencePixFmt('dpx', { channels: 3, bits: 16 }, 'rgba64be')).toBe('rgb48be');
    expect(sequencePixFmt('dpx', { channels: 1, bits: 16 }, 'gray10le')).toBe('gray16le');
    expect(sequencePixFmt('dpx', { channels: 3, bits: 8 }, 'abgr')).toBe('rgb24');
    expect(sequencePixFmt('png', { channels: 1, bits: 16 }, 'gray16be')).toBe('gray16be');
  });
});

describe('declaredFrames', () => {
  const fps = { num: 24, den: 1 };
  const video = (extra: Partial<FfprobeStream>): FfprobeStream => ({ index: 0, codec_type: 'video', ...extra });
  const audio: FfprobeStream = { index: 1, codec_type: 'audio', duration: '9.000000' };

  it("reads the video stream's own count or duration, even beside an audio track that runs longer", () => {
    expect(declaredFrames(video({ nb_frames: '16' }), { streams: [video({ nb_frames: '16' }), audio] }, fps)).toBe(16);
    const mkv = video({ tags: { DURATION: '00:00:00.667000000' } });
    expect(declaredFrames(mkv, { streams: [mkv, audio], format: { duration: '9.000000' } }, fps)).toBe(16);
    const counted = video({ tags: { 'NUMBER_OF_FRAMES-eng': '120', DURATION: '00:00:05.000000000' } });
    expect(declaredFrames(counted, { streams: [counted, audio] }, fps)).toBe(120);
  });

  it("counts Matroska's DURATION from the video's own start, and says nothing where only a longer file's duration is known", () => {
    const late = video({ start_time: '0.400000', tags: { DURATION: '00:00:01.650000000' } });
    expect(declaredFrames(late, { streams: [late, audio] }, fps)).toBe(30);
    const bare = video({});
    expect(declaredFrames(bare, { streams: [bare, audio], format: { duration: '9.000000' } }, fps)).toBeNull();
    expect(declaredFrames(bare, { streams: [bare], format: { duration: '2.000000' } }, fps)).toBe(48);
  });
});
