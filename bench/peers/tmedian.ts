/**
 * ffmpeg's `tmedian` (radius 1: the median of three consecutive frames) over whole frames, run by the
 * real ffmpeg binary on raw frames through pipes. tmedian emits only frames that have both neighbours,
 * so the sequence is padded by repeating its first and last frame: those two come out as
 * median(f0, f0, f1) = f0, i.e. unchanged, which is what a 3-frame temporal median can do at a shot end.
 */
import type { Writable } from 'node:stream';
import { rawPixFmt, allocFrame, bytesPerFrame, type FrameLayout, type Samples } from '@reelrestore/shared/frames/types';
import { spawnFfmpeg, splitRawFrames } from '@reelrestore/shared/frames/ffmpeg';

export interface TmedianOptions {
  /** ffmpeg filter threads; 1 compares per core with the single-threaded references. */
  threads?: number;
}

export async function runTmedian(frames: Samples[], layout: FrameLayout, opts: TmedianOptions = {}): Promise<Samples[]> {
  if (frames.length === 0) return [];
  const pix = rawPixFmt(layout);
  const size = `${layout.width}x${layout.height}`;
  const threads = String(opts.threads ?? 1);
  const p = spawnFfmpeg(
    [
      '-threads', threads, '-filter_threads', threads,
      '-f', 'rawvideo', '-pix_fmt', pix, '-s', size, '-r', '24', '-i', 'pipe:0',
      '-vf', 'tmedian=radius=1',
      '-f', 'rawvideo', '-pix_fmt', pix, 'pipe:1',
    ],
    { stdin: true, stdout: true },
  );
  const padded = [frames[0]!, ...frames, frames[frames.length - 1]!];
  // Read while writing: ffmpeg stops reading its stdin when nobody drains its stdout.
  const reading = (async () => {
    const out: Samples[] = [];
    for await (const f of splitRawFrames(p.stdout!, bytesPerFrame(layout), () => allocFrame(layout))) out.push(f);
    return out;
  })();
  await writeAll(p.stdin!, padded);
  const out = await reading;
  await p.done;
  if (out.length !== frames.length) throw new Error(`tmedian returned ${out.length} frames for ${frames.length}`);
  return out;
}

async function writeAll(stdin: Writable, frames: Samples[]): Promise<void> {
  for (const f of frames) {
    const buf = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    if (!stdin.write(buf)) await new Promise<void>((resolve) => stdin.once('drain', resolve));
  }
  await new Promise<void>((resolve) => stdin.end(resolve));
}
