import { rm } from 'node:fs/promises';
import { FfmpegError, ffmpegInput, hasEncoder, spawnFfmpeg, type FfmpegProcess } from './ffmpeg.js';
import { writePngFrame } from './png-frames.js';
import { bitsFromPixFmt, channelsFromPixFmt } from './probe-media.js';
import { rawPixFmt, samplesPerFrame, type FrameLayout, type MediaInfo, type Samples, type SequenceFormat } from './types.js';

type Fps = MediaInfo['fps'];

/** Accepts raw frames in order and encodes them into one output file. */
export interface FrameWriter {
  /**
   * Resolves once ffmpeg has taken the whole frame off the pipe, so the caller may reuse `frame` and a
   * fast producer waits for a slow encoder instead of queueing frames in memory.
   */
  write(frame: Samples): Promise<void>;
  /** Ends the input and waits for ffmpeg to finish the file; rejects with ffmpeg's error on failure. */
  close(): Promise<void>;
  /** Kills ffmpeg and removes the partial file. Never rejects. */
  abort(): Promise<void>;
  /** Frames written so far. */
  readonly frames: number;
}

export type VideoCodec = 'ffv1' | 'prores4444';

export interface VideoWriterOptions {
  layout: FrameLayout;
  fps: Fps;
  outPath: string;
  codec: VideoCodec;
  signal?: AbortSignal | undefined;
}

/**
 * FFV1 in Matroska (lossless: the decoded samples come back bit for bit) or ProRes 4444 in QuickTime
 * (10-bit 4:4:4 Y'CbCr, visually lossless but not exact: RGB is converted to Y'CbCr).
 */
export async function openVideoWriter(opts: VideoWriterOptions): Promise<FrameWriter> {
  const out = opts.codec === 'ffv1' ? ffv1Args(opts.layout) : proresArgs();
  return openRawWriter(opts.layout, opts.fps, out, opts.outPath, opts.signal);
}

/** An FFV1 pixel format that stores the raw layout exactly (planar RGB is a pure rearrangement of packed). */
export function ffv1PixFmt(layout: Pick<FrameLayout, 'channels' | 'bits'>): string {
  if (layout.channels === 1) return layout.bits === 16 ? 'gray16le' : 'gray';
  return layout.bits === 16 ? 'gbrp16le' : 'gbrp';
}

function ffv1Args(layout: FrameLayout): string[] {
  // Level 3 with per-slice CRCs: damage in an archive copy is detected and confined to a slice;
  // -g 1 makes every frame a keyframe so any frame can be cut or seeked to on its own.
  return ['-c:v', 'ffv1', '-level', '3', '-g', '1', '-slicecrc', '1', '-pix_fmt', ffv1PixFmt(layout), '-f', 'matroska'];
}

function proresArgs(): string[] {
  // Profile 4 is 4444; without alpha in our frames, yuv444p10le. apl0 vendor tag keeps Apple tools happy.
  return ['-c:v', 'prores_ks', '-profile:v', '4', '-vendor', 'apl0', '-pix_fmt', 'yuv444p10le', '-f', 'mov'];
}

export interface PreviewWriterOptions {
  layout: FrameLayout;
  fps: Fps;
  outPath: string;
  maxWidth?: number;
  signal?: AbortSignal | undefined;
}

/** A small H.264 MP4 for watching in a browser (MPEG-4 Part 2 where this ffmpeg lacks libx264). */
export async function openPreviewWriter(opts: PreviewWriterOptions): Promise<FrameWriter> {
  const { width, height } = previewSize(opts.layout, opts.maxWidth ?? 960);
  const codec = (await hasEncoder('libx264'))
    ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23']
    : ['-c:v', 'mpeg4', '-q:v', '4'];
  const out = [
    '-vf',
    `scale=${width}:${height}:flags=bicubic,format=yuv420p`,
    ...codec,
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart', // index first, so browsers start playing before the whole file arrives
    '-f',
    'mp4',
  ];
  return openRawWriter(opts.layout, opts.fps, out, opts.outPath, opts.signal);
}

/** Even dimensions (4:2:0 needs them) no wider than maxWidth, keeping the aspect ratio. */
export function previewSize(layout: Pick<FrameLayout, 'width' | 'height'>, maxWidth: number): { width: number; height: number } {
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  const width = Math.max(2, 2 * Math.floor(Math.min(layout.width, maxWidth) / 2));
  return { width, height: even((layout.height * width) / layout.width) };
}

function openRawWriter(layout: FrameLayout, fps: Fps, outArgs: string[], outPath: string, signal?: AbortSignal): FrameWriter {
  const args = [...rawInputArgs(layout, fps), '-map', '0:v:0', ...outArgs, '-y', ffmpegInput(outPath)];
  const p = spawnFfmpeg(args, { signal, stdin: true });
  let frames = 0;
  let closing = false;
  const expected = samplesPerFrame(layout);
  return {
    get frames() {
      return frames;
    },
    async write(frame) {
      if (closing) throw new Error('write after close or abort');
      checkFrame(frame, layout, expected);
      await writeAll(p, frame);
      frames++;
    },
    async close() {
      if (closing) throw new Error('writer already closed or aborted');
      closing = true;
      p.stdin?.end();
      await p.done;
    },
    async abort() {
      closing = true;
      p.kill();
      await p.done.catch(() => {});
      await rm(outPath, { force: true }).catch(() => {});
    },
  };
}

/** The raw stream description ffmpeg needs, with the rate as an exact rational. */
function rawInputArgs(layout: FrameLayout, fps: Fps): string[] {
  return [
    '-f',
    'rawvideo',
    '-pixel_format',
    rawPixFmt(layout),
    '-video_size',
    `${layout.width}x${layout.height}`,
    '-framerate',
    `${fps.num}/${fps.den}`,
    '-i',
    'pipe:0',
  ];
}

function checkFrame(frame: Samples, layout: FrameLayout, expected: number): void {
  const is16 = frame instanceof Uint16Array;
  if (is16 !== (layout.bits === 16) || frame.length !== expected) {
    throw new Error(
      `frame is ${frame.length} ${is16 ? '16' : '8'}-bit samples, expected ${expected} ${layout.bits}-bit (${layout.width}x${layout.height}x${layout.channels})`,
    );
  }
}

/** Writes one frame; the callback fires once the bytes are in the pipe, i.e. ffmpeg is keeping up. */
async function writeAll(p: FfmpegProcess, frame: Samples): Promise<void> {
  const stdin = p.stdin;
  if (!stdin) throw new Error('ffmpeg has no stdin');
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const written = new Promise<void>((resolve, reject) => stdin.write(bytes, (err) => (err ? reject(err) : resolve())));
  // If ffmpeg dies mid-frame the write fails with EPIPE; its exit status and stderr say why.
  const died = p.done.then(() => {
    throw new FfmpegError('ffmpeg exited before reading all frames', p.stderrTail(), 0);
  });
  try {
    await Promise.race([written, died]);
  } catch (err) {
    await p.done; // throws the real reason when ffmpeg failed
    throw err;
  } finally {
    written.catch(() => {});
    died.catch(() => {});
  }
}

export interface SequenceFrameOptions {
  layout: FrameLayout;
  format: SequenceFormat;
  /** The source's pix_fmt (MediaInfo.pixFmt), so a DPX comes back at its own bit depth and packing. */
  pixFmt: string;
  data: Samples;
  outPath: string;
  signal?: AbortSignal | undefined;
}

/** Encodes one frame as a PNG, TIFF or DPX file in the source's format and bit depth. */
export async function writeSequenceFrame(opts: SequenceFrameOptions): Promise<void> {
  const { layout, format, data, outPath } = opts;
  checkFrame(data, layout, samplesPerFrame(layout));
  if (format === 'png') return writePngFrame(layout, data, outPath, opts.signal);
  const target = sequencePixFmt(format, layout, opts.pixFmt);
  const codec = format === 'tiff' ? ['-c:v', 'tiff', '-compression_algo', 'lzw'] : ['-c:v', format];
  const args = [...rawInputArgs(layout, { num: 24, den: 1 }), '-frames:v', '1', ...codec, '-pix_fmt', target];
  // image2pipe writes the one packet as the whole file: no pattern expansion of the output name.
  args.push('-f', 'image2pipe', '-y', ffmpegInput(outPath));
  const p = spawnFfmpeg(args, { signal: opts.signal, stdin: true });
  try {
    await writeAll(p, data);
    p.stdin?.end();
    await p.done;
  } catch (err) {
    p.kill();
    await rm(outPath, { force: true }).catch(() => {});
    throw err;
  }
}

/** Formats the DPX encoder writes that our layouts can fill without loss (alpha formats excluded). */
const DPX_KEEP = new Set(['gray', 'rgb24', 'gray16le', 'gray16be', 'rgb48le', 'rgb48be', 'gbrp10le', 'gbrp10be', 'gbrp12le', 'gbrp12be']);

/**
 * The pixel format to store a layout in. PNG and TIFF: 8 or 16 bits, grey or RGB, exactly the layout.
 * DPX: the source's own format when the encoder writes it (10-bit stays 10-bit packed), otherwise the
 * 8/16-bit grey/RGB format holding the layout exactly, big-endian unless the source was little-endian.
 */
export function sequencePixFmt(format: SequenceFormat, layout: Pick<FrameLayout, 'channels' | 'bits'>, sourcePixFmt: string): string {
  const grey = layout.channels === 1;
  const wide = layout.bits === 16;
  if (format === 'png') return grey ? (wide ? 'gray16be' : 'gray') : wide ? 'rgb48be' : 'rgb24';
  if (format === 'tiff') return grey ? (wide ? 'gray16le' : 'gray') : wide ? 'rgb48le' : 'rgb24';
  const sourceBits = bitsFromPixFmt(sourcePixFmt);
  if (DPX_KEEP.has(sourcePixFmt) && channelsFromPixFmt(sourcePixFmt) === layout.channels && sourceBits > 8 === wide) return sourcePixFmt;
  if (!wide) return grey ? 'gray' : 'rgb24';
  const endian = sourcePixFmt.endsWith('le') ? 'le' : 'be';
  return grey ? `gray16${endian}` : `rgb48${endian}`;
}
