/**
 * How frames look in memory everywhere in reelrestore: interleaved samples, 1 (grey) or 3 (RGB) channels,
 * 8-bit in a Uint8Array or 16-bit in a Uint16Array (sources of 10/12/16 bits are decoded to 16-bit).
 */
export type Channels = 1 | 3;
export type SampleBits = 8 | 16;
export type Samples = Uint8Array | Uint16Array;

export interface FrameLayout {
  width: number;
  height: number;
  channels: Channels;
  bits: SampleBits;
}

export interface Frame {
  /** Absolute frame number in the reel, 0-based. */
  index: number;
  data: Samples;
}

export type SequenceFormat = 'png' | 'tiff' | 'dpx';

/** What probe learned about a source. Stored in the reel's plan.json. */
export interface MediaInfo {
  kind: 'video' | 'sequence';
  layout: FrameLayout;
  frameCount: number;
  /** Frames per second as a rational, e.g. 24000/1001. */
  fps: { num: number; den: number };
  codec: string;
  /** ffmpeg's pixel format of the source (e.g. yuv422p10le, gray16be, rgb48be). */
  pixFmt: string;
  /** Bits per component in the source itself (8, 10, 12, 16), which may be fewer than layout.bits. */
  sourceBits: number;
  /** Video: the container's format name from ffprobe (e.g. "matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2"). */
  container?: string;
  /**
   * Video: seconds from the container's start to the first frame of the decoded video stream, when not 0
   * (ffmpeg's input -ss counts from the container's start, so frame seeks add this).
   */
  startTime?: number;
  /**
   * Video: frames the container declares for the video stream, where fewer than that were read without the
   * demuxer finding the file cut short (a trim with -c copy that kept the old length, or timestamps with
   * gaps): the reel has the frames read and completes with a warning naming both counts.
   */
  declaredFrames?: number;
  /** Sequence: the image format and the frame file names in order (keys are reelKeys().sourceFrame(name)). */
  sequence?: { format: SequenceFormat; files: string[] };
}

export function samplesPerFrame(l: FrameLayout): number {
  return l.width * l.height * l.channels;
}

export function bytesPerFrame(l: FrameLayout): number {
  return samplesPerFrame(l) * (l.bits / 8);
}

export function allocFrame(l: FrameLayout): Samples {
  const n = samplesPerFrame(l);
  return l.bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
}

/**
 * A copy of a frame in shared memory: handing it to a compute thread then shares it instead of cloning it,
 * so a frame read by five windows is held once, not five times (at 4K, 76 MB each).
 */
export function sharedFrame(frame: Samples): Samples {
  const buffer = new SharedArrayBuffer(frame.byteLength);
  const out = frame instanceof Uint16Array ? new Uint16Array(buffer) : new Uint8Array(buffer);
  out.set(frame);
  return out;
}

/** ffmpeg raw pixel format matching a layout (little-endian 16-bit). */
export function rawPixFmt(l: Pick<FrameLayout, 'channels' | 'bits'>): string {
  if (l.channels === 1) return l.bits === 16 ? 'gray16le' : 'gray';
  return l.bits === 16 ? 'rgb48le' : 'rgb24';
}
