import { BadInputError } from '../errors.js';
import {
  FfmpegError,
  abortReason,
  ffmpegInput,
  isTransientFailure,
  lastLines,
  runFfmpegToBuffer,
  spawnFfmpeg,
  splitRawFrames,
} from './ffmpeg.js';
import { decodePngInProcess } from './png-frames.js';
import { imagePipeFormat } from './probe-media.js';
import { allocFrame, bytesPerFrame, rawPixFmt, type Frame, type MediaInfo, type Samples } from './types.js';

export interface DecodeOptions {
  media: MediaInfo;
  /** Video: one URL. Sequence: one per frame, indexed by absolute frame number (only [start, end) are read). */
  urls: string[];
  start: number;
  /** Exclusive. */
  end: number;
  signal?: AbortSignal | undefined;
}

/** Better quality for yuv -> rgb than swscale's default, and the same whichever stage decodes. */
const SWS_FLAGS = 'bicubic+accurate_rnd+full_chroma_int';

/**
 * Frames [start, end) in order, as raw interleaved samples in media.layout (16-bit as native little-endian
 * Uint16Array, as on every platform Node runs on). At most the frame being filled and the one yielded are held;
 * ffmpeg waits on the pipe while the consumer works. Breaking out of the loop stops ffmpeg.
 */
export async function* decodeFrames(opts: DecodeOptions): AsyncGenerator<Frame> {
  const { media, start, end } = opts;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > media.frameCount) {
    throw new RangeError(`frames [${start}, ${end}) are outside the source's 0..${media.frameCount}`);
  }
  if (start === end) return;
  if (media.kind === 'video') yield* decodeVideo(opts);
  else yield* decodeSequence(opts);
}

/** Seconds to hand ffmpeg's input -ss so that decoding starts exactly at `frame` (see videoDecodeArgs). */
export function seekSeconds(media: MediaInfo, frame: number): number {
  // Half a frame early: timestamps rounded to the container's timebase can land a hair after the frame's
  // nominal time; ffmpeg's accurate seek then drops every frame before this point, i.e. up to frame-1.
  return ((frame - 0.5) * media.fps.den) / media.fps.num + (media.startTime ?? 0);
}

export function videoDecodeArgs(media: MediaInfo, url: string, start: number, end: number): string[] {
  const { width, height } = media.layout;
  const seek = start > 0 ? ['-ss', seekSeconds(media, start).toFixed(6)] : [];
  return [
    '-noautorotate', // frames stay as stored; a rotation flag must not swap width and height
    ...seek,
    '-i',
    ffmpegInput(url),
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-frames:v',
    String(end - start),
    '-fps_mode',
    'passthrough', // never duplicate or drop frames to fit a rate
    // Pinning the size keeps the byte stream framed even if the stream changes size mid-way.
    '-vf',
    `scale=${width}:${height}:flags=${SWS_FLAGS}`,
    '-sws_flags',
    SWS_FLAGS,
    '-f',
    'rawvideo',
    '-pix_fmt',
    rawPixFmt(media.layout),
    'pipe:1',
  ];
}

async function* decodeVideo({ media, urls, start, end, signal }: DecodeOptions): AsyncGenerator<Frame> {
  const url = urls[0];
  if (!url) throw new Error('decodeFrames: no URL for the video');
  const p = spawnFfmpeg(videoDecodeArgs(media, url, start, end), { signal, stdout: true });
  let index = start;
  try {
    if (!p.stdout) throw new Error('ffmpeg has no stdout');
    for await (const data of splitRawFrames(p.stdout, bytesPerFrame(media.layout), () => allocFrame(media.layout))) {
      yield { index, data };
      index++;
      if (index === end) return;
    }
    await p.done;
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    if (err instanceof FfmpegError && !isTransientFailure(err)) {
      throw new BadInputError(`the video could not be decoded at frame ${index}: ${lastLines(err.stderr, 2) || err.message}`, 422, { cause: err });
    }
    throw err;
  } finally {
    p.kill();
  }
  throw new BadInputError(`the video ended at frame ${index}, before frame ${end} (it has fewer frames than probed)`, 422);
}

async function* decodeSequence({ media, urls, start, end, signal }: DecodeOptions): AsyncGenerator<Frame> {
  // Our own controller so a prefetch still running when the consumer stops is killed too.
  const ac = new AbortController();
  const onAbort = () => ac.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) ac.abort(signal.reason);
  const load = (i: number): Promise<Samples> => {
    const p = decodeImageFrame(media, urls, i, ac.signal);
    p.catch(() => {}); // awaited below; a prefetch abandoned on early exit must not go unhandled
    return p;
  };
  try {
    let next = load(start);
    for (let i = start; i < end; i++) {
      const current = next;
      // One frame ahead: reading and decoding the next file overlaps the consumer's work on this one.
      if (i + 1 < end) next = load(i + 1);
      yield { index: i, data: await current };
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    ac.abort();
  }
}

async function decodeImageFrame(media: MediaInfo, urls: string[], i: number, signal: AbortSignal): Promise<Samples> {
  const url = urls[i];
  const name = media.sequence?.files[i] ?? `frame ${i}`;
  const format = media.sequence?.format;
  if (!url || !format) throw new Error(`decodeFrames: no URL or format for sequence frame ${i}`);
  if (format === 'png') {
    const frame = await decodePngInProcess(url, media.layout, signal).catch((err: unknown) => {
      throw signal.aborted ? abortReason(signal) : err;
    });
    if (frame) return frame;
  }
  const size = bytesPerFrame(media.layout);
  const args = ['-f', imagePipeFormat(format), '-i', ffmpegInput(url), '-map', '0:v:0', '-frames:v', '1'];
  args.push('-sws_flags', SWS_FLAGS, '-f', 'rawvideo', '-pix_fmt', rawPixFmt(media.layout), 'pipe:1');
  let buf: Buffer;
  try {
    buf = await runFfmpegToBuffer(args, { signal, maxBytes: size * 2 });
  } catch (err) {
    if (signal.aborted) throw abortReason(signal);
    if (err instanceof FfmpegError && !isTransientFailure(err)) {
      throw new BadInputError(`${name} could not be decoded: ${lastLines(err.stderr, 2) || err.message}`, 422, { cause: err });
    }
    throw err;
  }
  if (buf.length !== size) {
    const { width, height } = media.layout;
    throw new BadInputError(`${name} does not match the sequence's ${width}x${height} frames`, 422);
  }
  // Copied into a fresh, aligned buffer: Buffer.concat may hand back an odd offset into a shared pool.
  const frame = allocFrame(media.layout);
  new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength).set(buf);
  return frame;
}
