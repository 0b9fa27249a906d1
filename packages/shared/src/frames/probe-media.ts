import { BadInputError, withoutPaths } from '../errors.js';
import { FfmpegError, ffprobeJsonWithLog, inputComplaint, isTransientFailure, lastLines, type FfprobeResult, type FfprobeStream } from './ffmpeg.js';
import type { Channels, FrameLayout, MediaInfo, SequenceFormat } from './types.js';

export interface ProbeOptions {
  signal?: AbortSignal | undefined;
}

type Fps = MediaInfo['fps'];

/** Image sequences carry no usable rate (the image pipes all say 25); scanned film runs at 24. */
export const SEQUENCE_FPS: Fps = { num: 24, den: 1 };

/** Describes a video file: first video stream, exact frame count, rational fps, decode layout. */
export async function probeVideo(url: string, opts: ProbeOptions = {}): Promise<MediaInfo> {
  const info = await probeOrReject(url, {}, opts);
  const stream = firstVideoStream(info);
  const { layout, pixFmt, sourceBits } = describePixels(stream);
  const fps = pickFps(stream.r_frame_rate, stream.avg_frame_rate);
  if (!fps) throw new BadInputError('the video has no usable frame rate', 422);
  const declared = declaredFrames(stream, info, fps);
  const frameCount = await countFrames(url, stream, opts, declared);
  const media: MediaInfo = {
    kind: 'video',
    layout,
    frameCount,
    fps,
    codec: stream.codec_name ?? 'unknown',
    pixFmt,
    sourceBits,
  };
  // Short of what the container declares, yet read without a complaint: kept, and said (see MediaInfo).
  if (declared !== null && frameCount < declared - 1) media.declaredFrames = declared;
  if (info.format?.format_name) media.container = info.format.format_name;
  const startTime = videoStartOffset(stream, info);
  if (startTime > 0) media.startTime = startTime;
  return media;
}

/**
 * Describes an image sequence from its first (and last) file; every frame must share that format and size,
 * which decoding checks frame by frame. `fileNames` give the format by extension and are kept in order.
 */
export async function probeSequence(urls: string[], fileNames: string[], opts: ProbeOptions = {}): Promise<MediaInfo> {
  if (urls.length !== fileNames.length) throw new Error(`probeSequence: ${urls.length} urls for ${fileNames.length} file names`);
  const firstUrl = urls[0];
  if (firstUrl === undefined || urls.length === 0) throw new BadInputError('the image sequence has no frames', 422);
  const format = sequenceFormatOf(fileNames);
  const first = await probeImage(firstUrl, format, fileNames[0] ?? '', opts);
  const lastUrl = urls[urls.length - 1];
  if (lastUrl !== undefined && urls.length > 1) {
    // A cheap check that catches most mixed sequences before hours of work rather than mid-way.
    const last = await probeImage(lastUrl, format, fileNames[fileNames.length - 1] ?? '', opts);
    if (last.width !== first.width || last.height !== first.height) {
      throw new BadInputError(
        `frames differ in size: ${fileNames[0]} is ${first.width}x${first.height}, ${fileNames[fileNames.length - 1]} is ${last.width}x${last.height}`,
        422,
      );
    }
  }
  const { layout, pixFmt, sourceBits } = describePixels(first);
  return {
    kind: 'sequence',
    layout,
    frameCount: urls.length,
    fps: SEQUENCE_FPS,
    codec: first.codec_name ?? format,
    pixFmt,
    sourceBits,
    sequence: { format, files: [...fileNames] },
  };
}

/** The image demuxer for a format, forced so file names and URL query strings are never read as patterns. */
export function imagePipeFormat(format: SequenceFormat): string {
  return `${format}_pipe`;
}

export function sequenceFormatOf(fileNames: string[]): SequenceFormat {
  const formats = new Set(fileNames.map(formatFromName));
  if (formats.has(null)) {
    const bad = fileNames.find((n) => formatFromName(n) === null);
    throw new BadInputError(`"${bad}" is not a PNG, TIFF or DPX frame`, 415);
  }
  if (formats.size !== 1) throw new BadInputError(`the sequence mixes image formats (${[...formats].join(', ')})`, 415);
  const [format] = formats;
  if (!format) throw new BadInputError('the image sequence has no frames', 422);
  return format;
}

function formatFromName(name: string): SequenceFormat | null {
  const ext = /\.([A-Za-z]+)$/.exec(name)?.[1]?.toLowerCase();
  if (ext === 'png') return 'png';
  if (ext === 'tif' || ext === 'tiff') return 'tiff';
  if (ext === 'dpx') return 'dpx';
  return null;
}

async function probeImage(url: string, format: SequenceFormat, name: string, opts: ProbeOptions): Promise<FfprobeStream> {
  const info = await probeOrReject(url, { inputArgs: ['-f', imagePipeFormat(format)] }, opts, name);
  const stream = firstVideoStream(info);
  if (stream.codec_name !== format) {
    throw new BadInputError(`${name} is named .${format} but holds ${stream.codec_name ?? 'something else'}`, 415);
  }
  if (!stream.width || !stream.height) throw new BadInputError(`${name} is not a readable ${format.toUpperCase()} image`, 415);
  return stream;
}

async function probeOrReject(url: string, args: { inputArgs?: string[]; args?: string[] }, opts: ProbeOptions, name?: string): Promise<FfprobeResult> {
  return (await probeWithLogOrReject(url, args, opts, name)).result;
}

async function probeWithLogOrReject(url: string, args: { inputArgs?: string[]; args?: string[] }, opts: ProbeOptions, name?: string): Promise<{ result: FfprobeResult; log: string }> {
  try {
    return await ffprobeJsonWithLog(url, { ...args, signal: opts.signal });
  } catch (err) {
    throw asBadInput(err, name);
  }
}

/**
 * ffprobe failures on the bytes become a 415 that says what is wrong with the file in the user's terms
 * (never where the service keeps it); I/O trouble stays retryable.
 */
function asBadInput(err: unknown, name?: string): unknown {
  if (!(err instanceof FfmpegError) || isTransientFailure(err)) return err;
  const reason = lastLines(err.stderr, 2) || err.message;
  const what = name ?? 'the file';
  return new BadInputError(`${what} ${unreadableBecause(reason)}`, 415, { cause: err });
}

function unreadableBecause(ffprobe: string): string {
  if (/moov atom not found/i.test(ffprobe)) return 'is an incomplete or damaged MP4/MOV: its index (the moov atom) cannot be found, as when an upload or a copy is cut short';
  if (/EBML header parsing failed/i.test(ffprobe)) return 'is not a readable Matroska (MKV) file: its header is damaged';
  if (/Invalid data found when processing input/i.test(ffprobe)) return 'cannot be read: it is damaged, or not the format its name says';
  return `cannot be read (${withoutPaths(ffprobe)})`;
}


function firstVideoStream(info: FfprobeResult): FfprobeStream {
  // The first video stream is what decoding maps (0:v:0), so it is the only one that counts.
  const stream = info.streams?.find((s) => s.codec_type === 'video');
  // No stream at all is not an audio file: the container's index is damaged (or it is no container at all).
  if (!info.streams?.length) throw new BadInputError('the file holds no stream that can be read: it is damaged, or not the format its name says', 415);
  if (!stream) throw new BadInputError('the file has no video stream (audio only?)', 415);
  if (stream.disposition?.attached_pic) throw new BadInputError('no video stream (only a cover picture)', 415);
  return stream;
}

function describePixels(stream: FfprobeStream): { layout: FrameLayout; pixFmt: string; sourceBits: number } {
  const { width, height, pix_fmt: pixFmt } = stream;
  if (!pixFmt) throw new BadInputError(`ffmpeg cannot decode ${stream.codec_name ?? 'this codec'} here`, 415);
  if (!width || !height || width < 1 || height < 1) throw new BadInputError('the video has no frame size', 422);
  const raw = Number(stream.bits_per_raw_sample);
  const sourceBits = Number.isInteger(raw) && raw > 0 && raw <= 32 ? raw : bitsFromPixFmt(pixFmt);
  return { layout: { width, height, channels: channelsFromPixFmt(pixFmt), bits: sourceBits > 8 ? 16 : 8 }, pixFmt, sourceBits };
}

/** Grey sources (with or without alpha, which is dropped) stay one channel; everything else is RGB. */
export function channelsFromPixFmt(pixFmt: string): Channels {
  return /^(gray|ya\d|mono)/.test(pixFmt) ? 1 : 3;
}

/**
 * Bits per component from ffmpeg's pix_fmt name: a trailing number before le/be is the depth for planar
 * and grey formats (yuv422p10le, gray16be, p010le), but the whole pixel for packed RGB (rgb48be, rgba64le).
 */
export function bitsFromPixFmt(pixFmt: string): number {
  const m = /(\d+)(?:le|be)$/.exec(pixFmt);
  if (!m) return pixFmt.startsWith('mono') ? 1 : 8;
  const n = Number(m[1]);
  if (n === 48 || n === 64) return 16;
  if (n > 32) return 8; // rgb565le, rgb555be, rgb444le: at most 6 bits a component
  return n;
}

/**
 * r_frame_rate is the nicer rational (24000/1001 where avg may be a timebase artefact like 1001000/41791),
 * but for interlaced or variable streams it can be a field or timebase rate, so avg wins when they differ.
 */
export function pickFps(r?: string, avg?: string): Fps | null {
  const rr = parseRational(r);
  const aa = parseRational(avg);
  if (rr && aa) return Math.abs(rr.num / rr.den / (aa.num / aa.den) - 1) < 0.002 ? rr : aa;
  return rr ?? aa;
}

function parseRational(s?: string): Fps | null {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  if (!(num > 0 && den > 0) || num / den > 1000) return null;
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * A source holds fewer frames than it declares (cut short, or damaged past some frame): the reel fails with
 * both counts, which the probe also records on the reel (expectedFrames, decodedFrames).
 */
export class FrameShortfallError extends BadInputError {
  constructor(
    message: string,
    readonly expected: number,
    readonly decoded: number,
    options?: { cause?: unknown },
  ) {
    super(message, 422, options);
  }
}

/**
 * The reason a video that declares `expected` frames but yields only `got` fails with, in the user's terms.
 * Frames missing from the demuxer's read are the file's end; frames the decoder drops may be anywhere.
 */
export function videoShortfall(expected: number, got: number, verb: 'read' | 'decoded', cause?: unknown): FrameShortfallError {
  const missing = got + 1 === expected ? `frame ${expected} is` : `frames ${got + 1} to ${expected} are`;
  const message =
    verb === 'read'
      ? `the video is truncated: its header declares ${expected} frames, but only ${got} can be read; ${missing} missing (the file was cut short, in the upload or before)`
      : `the video is damaged or truncated: its header declares ${expected} frames, but only ${got} can be decoded (the file was cut short, in the upload or before, or its picture data is corrupt)`;
  return new FrameShortfallError(message, expected, got, cause === undefined ? undefined : { cause });
}

/** Must be exact: chunks are planned on it. nb_frames (MP4/MOV/AVI) is read from the index; MKV needs a demux pass. */
async function countFrames(url: string, stream: FfprobeStream, opts: ProbeOptions, declared: number | null): Promise<number> {
  const indexed = Number(stream.nb_frames);
  let count = Number.isInteger(indexed) && indexed > 0 ? indexed : NaN;
  if (Number.isNaN(count)) {
    const { result: info, log } = await probeWithLogOrReject(url, { args: ['-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets'] }, opts);
    const counted = Number(info.streams?.[0]?.nb_read_packets);
    if (!Number.isInteger(counted) || counted < 0) throw new BadInputError('the number of frames in the video cannot be told', 422);
    count = counted;
    // The container says how long the video stream is. Frames missing from its end, with the demuxer saying
    // the file ended early, mean it was cut (one frame of slack: a duration rounds to whole frames). Without
    // a complaint the shortfall is a trim that kept the old length, or timestamps with gaps: the frames read
    // are the video, and the probe's caller says how many the container declared.
    if (declared !== null && count < declared - 1 && inputComplaint(log)) throw videoShortfall(declared, count, 'read');
  }
  if (count === 0) throw new BadInputError('the video has no frames', 422);
  return count;
}

/**
 * Frames the container declares for the first video stream itself, or null where it declares nothing:
 * its index's frame count (nb_frames: MP4/MOV/AVI), Matroska's per-stream NUMBER_OF_FRAMES or DURATION tags,
 * the stream's duration, or, only when the file holds nothing but video, the container's duration (an audio
 * track may run longer than the picture, so a whole file's duration says nothing of the video then).
 */
export function declaredFrames(stream: FfprobeStream, info: FfprobeResult, fps: Fps): number | null {
  const indexed = Number(stream.nb_frames);
  if (Number.isInteger(indexed) && indexed > 0) return indexed;
  const tags = Object.entries(stream.tags ?? {});
  const tag = (name: string) => tags.find(([k]) => k.toUpperCase() === name)?.[1];
  // mkvmerge's statistics tags (NUMBER_OF_FRAMES, DURATION-<language>) describe the file mkvmerge made;
  // ffmpeg copies them unchanged into a file it trims with -c copy, so they do not count in a file ffmpeg
  // wrote (its ENCODER tag says Lavf) from another app's statistics. ffmpeg's own DURATION tag (no language)
  // it writes afresh for every file.
  const remuxed = /^Lavf/.test(info.format?.tags?.['ENCODER'] ?? '');
  const statistic = (name: string) => {
    const app = tags.find(([k]) => /^_STATISTICS_WRITING_APP(-|$)/i.test(k))?.[1];
    if (app !== undefined && remuxed && !/Lavf|ffmpeg/i.test(app)) return undefined;
    return tags.find(([k]) => k.toUpperCase() === name || k.toUpperCase().startsWith(`${name}-`))?.[1];
  };
  const tagged = Number(statistic('NUMBER_OF_FRAMES'));
  if (Number.isInteger(tagged) && tagged > 0) return tagged;
  const frames = (seconds: number) => (Number.isFinite(seconds) && seconds > 0 ? Math.round((seconds * fps.num) / fps.den) : null);
  // Matroska's DURATION is where the stream ends, counted from the file's start, not from the stream's own.
  const start = Number(stream.start_time);
  const fromTag = frames(clockSeconds(tag('DURATION') ?? statistic('DURATION')) - (Number.isFinite(start) && start > 0 ? start : 0));
  if (fromTag !== null) return fromTag;
  const fromStream = frames(Number(stream.duration));
  if (fromStream !== null) return fromStream;
  if (info.streams?.some((s) => s.codec_type !== 'video')) return null;
  return frames(Number(info.format?.duration));
}

/** Matroska's DURATION tag, "HH:MM:SS.nnnnnnnnn", in seconds (NaN when it is not one). */
function clockSeconds(text?: string): number {
  const m = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text?.trim() ?? '');
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
}

/**
 * ffmpeg's input -ss counts from the container's start time (the earliest stream), so a video stream that
 * starts later (audio first, or an offset track) needs its own offset added to land on frame boundaries.
 */
function videoStartOffset(stream: FfprobeStream, info: FfprobeResult): number {
  const s = Number(stream.start_time);
  const f = Number(info.format?.start_time);
  if (!Number.isFinite(s) || !Number.isFinite(f)) return 0;
  const d = s - f;
  return d > 1e-6 ? Math.round(d * 1e6) / 1e6 : 0;
}
