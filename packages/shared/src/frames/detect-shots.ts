import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, withoutPaths } from '../errors.js';
import { FfmpegError, abortReason, ffmpegInput, inputComplaint, isTransientFailure, lastLines, spawnFfmpeg, splitRawFrames } from './ffmpeg.js';
import type { Shot } from './plan.js';
import { videoShortfall } from './probe-media.js';
import { cleanStaleTempFolders, pidTempPrefix } from './temp-folders.js';
import type { FrameLayout, MediaInfo } from './types.js';

export interface DetectShotsOptions {
  media: MediaInfo;
  /** Video: one URL. Sequence: one per frame, all of them. */
  urls: string[];
  /** 0-100, on the scale of ffmpeg's scdet scene score: a cut where the score reaches it. */
  threshold: number;
  signal?: AbortSignal | undefined;
  /** Shots shorter than this fold into the previous one (flash frames and glitches are not cuts). */
  minShotFrames?: number;
  /** Where a sequence's frame list is written (TMP_DIR); the system's temp folder by default. */
  tmpDir?: string | undefined;
}

export interface ShotScan {
  shots: Shot[];
  /**
   * Frames the pass decoded. A video that yields fewer than media.frameCount with its decoder or demuxer
   * complaining fails (scanShots throws); without a complaint its shots cover only the frames decoded.
   */
  decodedFrames: number;
  /**
   * A video whose every frame decoded, but whose decoder reported errors on the way (damaged picture data that
   * it concealed, e.g. H.264 filling broken blocks from other frames): its first complaint, without paths.
   */
  decodeErrors?: string;
}

/** Sequences' frame lists are written to a folder named with the worker's pid and token: a restarted worker removes its dead predecessors' (cleanStaleShotFolders). */
export const SHOTS_TMP_PREFIX = 'reelrestore-shots-';

/** Proxy width: enough to tell shots apart, small enough that the pass costs little beyond decoding. */
const PROXY_MAX_WIDTH = 320;

/**
 * Splits the reel into shots covering the frames decoded, and counts them. One ffmpeg pass decodes a small grey
 * proxy of every frame; the cut score is computed here, exactly as ffmpeg's scdet does, because counting frames
 * on our side keeps cut indices exact where scdet only reports timestamps. A video that yields fewer frames
 * than probed while its demuxer or decoder complains (cut short, or damaged where its index still lists them)
 * fails here with a FrameShortfallError, before any chunk is planned on frames that are not there; fewer
 * without a complaint (an edit list hiding some) are the video, and its shots cover those.
 */
export async function scanShots(opts: DetectShotsOptions): Promise<ShotScan> {
  const { media, threshold, signal } = opts;
  const proxy = proxySize(media.layout);
  const tmp = media.kind === 'sequence' ? await mkdtemp(join(opts.tmpDir || tmpdir(), pidTempPrefix(SHOTS_TMP_PREFIX))) : null;
  try {
    const input = tmp ? await concatInputArgs(opts.urls, tmp) : videoInputArgs(opts.urls);
    const args = [
      ...input,
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-fps_mode',
      'passthrough',
      '-vf',
      `scale=${proxy.width}:${proxy.height}:flags=area,format=gray`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      'pipe:1',
    ];
    const { cuts, decoded, decodeErrors } = await scanCuts(args, proxy.width * proxy.height, threshold, media, signal);
    const frames = media.kind === 'video' ? Math.min(decoded, media.frameCount) : media.frameCount;
    const scan: ShotScan = { shots: shotsFromCuts(cuts, frames, opts.minShotFrames ?? 3), decodedFrames: decoded };
    if (decodeErrors) scan.decodeErrors = decodeErrors;
    return scan;
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/** Removes shot-pass folders left in `dir` by processes that are gone (or, unnamed by a pid, older than `maxAgeMs`). */
export function cleanStaleShotFolders(dir: string, maxAgeMs?: number): Promise<string[]> {
  return cleanStaleTempFolders(dir, SHOTS_TMP_PREFIX, maxAgeMs);
}

export function proxySize(layout: Pick<FrameLayout, 'width' | 'height'>): { width: number; height: number } {
  const width = Math.max(2, 2 * Math.floor(Math.min(layout.width, PROXY_MAX_WIDTH) / 2));
  return { width, height: Math.max(2, 2 * Math.round((layout.height * width) / layout.width / 2)) };
}

function videoInputArgs(urls: string[]): string[] {
  const url = urls[0];
  if (!url) throw new Error('scanShots: no URL for the video');
  return ['-noautorotate', '-i', ffmpegInput(url)];
}

/**
 * All frame files as one stream through the concat demuxer, so a reel of thousands of frames is one process.
 * A 1 s duration per entry gives the images strictly increasing timestamps (the pipes all start at 0).
 */
async function concatInputArgs(urls: string[], dir: string): Promise<string[]> {
  const lines = ['ffconcat version 1.0'];
  for (const [i, url] of urls.entries()) {
    if (!url) throw new Error(`scanShots: no URL for sequence frame ${i}`);
    lines.push(`file '${ffmpegInput(url).replaceAll("'", "'\\''")}'`, 'duration 1');
  }
  const list = join(dir, 'frames.ffconcat');
  await writeFile(list, lines.join('\n') + '\n');
  // -safe 0: entries are absolute paths and URLs; the whitelist lets a local list open presigned URLs.
  return ['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,http,https,tcp,tls,crypto', '-i', list];
}

async function scanCuts(args: string[], frameBytes: number, threshold: number, media: MediaInfo, signal?: AbortSignal): Promise<{ cuts: number[]; decoded: number; decodeErrors?: string }> {
  const { frameCount } = media;
  const p = spawnFfmpeg(args, { signal, stdout: true });
  const scorer = new SceneScorer();
  const cuts: number[] = [];
  let index = 0;
  try {
    if (!p.stdout) throw new Error('ffmpeg has no stdout');
    for await (const frame of splitRawFrames(p.stdout, frameBytes, () => new Uint8Array(frameBytes))) {
      const score = scorer.next(frame);
      if (index > 0 && score > 0 && score >= threshold && index < frameCount) cuts.push(index);
      index++;
    }
    await p.done;
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    if (err instanceof FfmpegError && !isTransientFailure(err)) {
      // A video that broke off before its last frame: what the user needs to hear is that frames are missing.
      if (media.kind === 'video' && index < frameCount) throw videoShortfall(frameCount, index, 'decoded', err);
      throw new BadInputError(`the source could not be decoded at frame ${index}: ${withoutPaths(lastLines(err.stderr, 2) || err.message)}`, 422, { cause: err });
    }
    throw err;
  } finally {
    p.kill();
  }
  // At loglevel error a clean decode says nothing about its input: anything said is about damaged data.
  const complaint = media.kind === 'video' ? inputComplaint(p.stderrTail()) : undefined;
  const said = complaint === undefined ? undefined : withoutPaths(complaint);
  // A video's decoder may drop damaged frames and go on: fewer frames than its index lists, with a complaint,
  // is damage or a cut. Fewer without one is an edit list hiding some (a trim with -c copy): the frames shown
  // are the video, and the caller plans on them. A sequence's frames are decoded one by one again, and a
  // broken one named, when the chunk that holds it is segmented.
  if (media.kind === 'video' && index < frameCount && said !== undefined) throw videoShortfall(frameCount, index, 'decoded');
  return { cuts, decoded: index, ...(said ? { decodeErrors: said } : {}) };
}

/**
 * ffmpeg's scdet score: mean absolute frame difference in percent of full scale (mafd), and the score is
 * min(mafd, |mafd - previous mafd|), so steady motion (high but constant mafd) is not a cut while a jump is.
 */
export class SceneScorer {
  private prev: Uint8Array | null = null;
  private prevMafd = 0;

  next(frame: Uint8Array): number {
    const prev = this.prev;
    this.prev = frame;
    if (!prev || prev.length !== frame.length || frame.length === 0) return 0;
    let sad = 0;
    for (let i = 0; i < frame.length; i++) sad += Math.abs((frame[i] ?? 0) - (prev[i] ?? 0));
    const mafd = (sad * 100) / frame.length / 256;
    const diff = Math.abs(mafd - this.prevMafd);
    this.prevMafd = mafd;
    return Math.min(100, Math.max(0, Math.min(mafd, diff)));
  }
}

/** Contiguous shots over [0, frameCount) from cut frames (a cut at k starts a shot at k). */
export function shotsFromCuts(cuts: number[], frameCount: number, minShotFrames = 3): Shot[] {
  if (frameCount <= 0) return [];
  const bounds = [...new Set(cuts)].filter((c) => Number.isInteger(c) && c > 0 && c < frameCount).sort((a, b) => a - b);
  const spans: { start: number; end: number }[] = [];
  let start = 0;
  for (const end of [...bounds, frameCount]) {
    const prev = spans.at(-1);
    if (end - start >= minShotFrames) spans.push({ start, end });
    else if (prev) prev.end = end;
    else continue; // a short first shot: keep its start so the next shot takes it in
    start = end;
  }
  if (spans.length === 0) spans.push({ start: 0, end: frameCount });
  return spans.map((s, index) => ({ index, ...s }));
}
