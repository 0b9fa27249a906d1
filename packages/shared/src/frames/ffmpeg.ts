import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** Binaries come from PATH unless overridden (tests and images may ship their own builds). */
export const FFMPEG_BIN = process.env.FFMPEG_PATH || 'ffmpeg';
export const FFPROBE_BIN = process.env.FFPROBE_PATH || 'ffprobe';

/** Enough of ffmpeg's stderr to explain a failure without holding a chatty log in memory. */
export const STDERR_TAIL_CHARS = 4096;

export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    /** null: killed or never started; -1: stopped by reelrestore for producing too much output. */
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'FfmpegError';
  }
}

export interface FfmpegProcess {
  child: ChildProcess;
  stdin: Writable | null;
  stdout: Readable | null;
  /** Settles when the process exits: resolves on exit 0, rejects with FfmpegError (or the abort reason). */
  done: Promise<void>;
  stderrTail(): string;
  /** SIGKILL: callers only stop ffmpeg when its output is no longer wanted. */
  kill(): void;
}

export interface SpawnOptions {
  signal?: AbortSignal | undefined;
  /** Pipe stdin (writers) or not (readers get /dev/null, as -nostdin also asks). */
  stdin?: boolean;
  /** Pipe stdout (raw frames) or discard it. */
  stdout?: boolean;
  loglevel?: 'error' | 'warning' | 'info';
}

/**
 * ffmpeg reads "proto:..." as a protocol, so absolute paths are pinned to file: and never reinterpreted.
 * URLs (http, https, file:) pass through untouched.
 */
export function ffmpegInput(url: string): string {
  return url.startsWith('/') ? `file:${url}` : url;
}

export function spawnFfmpeg(args: string[], opts: SpawnOptions = {}): FfmpegProcess {
  return spawnTool(FFMPEG_BIN, ['-hide_banner', '-loglevel', opts.loglevel ?? 'error', '-nostdin', ...args], opts);
}

export function spawnFfprobe(args: string[], opts: SpawnOptions = {}): FfmpegProcess {
  return spawnTool(FFPROBE_BIN, ['-hide_banner', '-loglevel', opts.loglevel ?? 'error', ...args], { ...opts, stdout: opts.stdout ?? true });
}

function spawnTool(bin: string, args: string[], opts: SpawnOptions): FfmpegProcess {
  const { signal } = opts;
  const child = spawn(bin, args, {
    stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
    windowsHide: true,
  });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    tail = (tail + s).slice(-STDERR_TAIL_CHARS);
  });
  // A writer's stdin errors with EPIPE when ffmpeg dies first; the exit code reports the real cause.
  child.stdin?.on('error', () => {});

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onAbort = () => kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) kill();

  const name = bin.split('/').pop() ?? bin;
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new FfmpegError(`${name} could not start: ${err.message}`, tail, null));
    });
    // 'close' (not 'exit') so the whole stderr has been read before the message is built.
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(abortReason(signal));
      if (code === 0) return resolve();
      const how = code === null ? `was killed (${sig ?? 'signal'})` : `exited with code ${code}`;
      reject(new FfmpegError(`${name} ${how}: ${lastLines(tail) || '(no error output)'}`, tail, code));
    });
  });
  // Callers may only look at `done` after consuming stdout; never let it surface as unhandled meanwhile.
  done.catch(() => {});
  return { child, stdin: child.stdin, stdout: child.stdout, done, stderrTail: () => tail, kill };
}

export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const err = new Error(typeof r === 'string' ? r : 'aborted');
  err.name = 'AbortError';
  return err;
}

/** The last few lines, for messages: ffmpeg puts the actual reason at the end. */
export function lastLines(text: string, n = 4): string {
  return text.trim().split('\n').slice(-n).join(' | ').slice(-1000);
}

/** Runs ffmpeg to completion, output going to files named in `args`. */
export async function runFfmpeg(args: string[], opts: { signal?: AbortSignal | undefined } = {}): Promise<void> {
  await spawnFfmpeg(args, { signal: opts.signal }).done;
}

/**
 * Runs ffmpeg and returns all of stdout. `maxBytes` guards memory against an input far larger than
 * expected (e.g. a "frame" file that is really a long video): past it the process is killed.
 */
export async function runFfmpegToBuffer(args: string[], opts: { signal?: AbortSignal | undefined; maxBytes: number }): Promise<Buffer> {
  return collectStdout(spawnFfmpeg(args, { signal: opts.signal, stdout: true }), opts.maxBytes);
}

async function collectStdout(p: FfmpegProcess, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  p.stdout?.on('data', (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) {
      overflow = true;
      p.kill();
      return;
    }
    chunks.push(c);
  });
  try {
    await p.done;
  } catch (err) {
    if (!overflow) throw err;
  }
  // exitCode -1: the input itself produced too much, which retrying cannot change.
  if (overflow) throw new FfmpegError(`output exceeded ${maxBytes} bytes`, p.stderrTail(), -1);
  return Buffer.concat(chunks, size);
}

/** ffprobe's JSON, as much of it as reelrestore reads. Numbers arrive as strings for most fields. */
export interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  bits_per_raw_sample?: string;
  disposition?: Record<string, number>;
  /** Container tags: Matroska keeps a stream's own DURATION (and, from mkvmerge, NUMBER_OF_FRAMES) here. */
  tags?: Record<string, string>;
}

export interface FfprobeFormat {
  format_name?: string;
  start_time?: string;
  duration?: string;
  /** Container tags: ENCODER names the application that wrote the file (Matroska's writing app). */
  tags?: Record<string, string>;
}

export interface FfprobeResult {
  streams?: FfprobeStream[];
  format?: FfprobeFormat;
}

export interface FfprobeOptions {
  /** Options placed before the input (e.g. `-f png_pipe`). */
  inputArgs?: string[];
  /** Extra query options (e.g. `-count_packets -select_streams v:0`). Default: `-show_streams -show_format`. */
  args?: string[];
  signal?: AbortSignal | undefined;
}

/** ffprobe -of json on one input. Rejects with FfmpegError (stderr included) when ffprobe fails. */
export async function ffprobeJson(input: string, opts: FfprobeOptions = {}): Promise<FfprobeResult> {
  return (await ffprobeJsonWithLog(input, opts)).result;
}

/** ffprobe's JSON, and what it said on stderr (at loglevel error, only trouble it met in the file). */
export async function ffprobeJsonWithLog(input: string, opts: FfprobeOptions = {}): Promise<{ result: FfprobeResult; log: string }> {
  const args = ['-of', 'json', ...(opts.args ?? ['-show_streams', '-show_format']), ...(opts.inputArgs ?? []), '-i', ffmpegInput(input)];
  const p = spawnFfprobe(args, { signal: opts.signal });
  const out = await collectStdout(p, 64 * 1024 * 1024);
  try {
    return { result: JSON.parse(out.toString('utf8')) as FfprobeResult, log: p.stderrTail() };
  } catch {
    throw new FfmpegError('ffprobe printed output that is not JSON', out.subarray(0, 500).toString('utf8'), 0);
  }
}

/**
 * The first line of an ffmpeg or ffprobe log (at loglevel error) that is about the input: what its demuxer
 * or decoder met ("File ended prematurely", "partial file", broken blocks). Lines from the output side are
 * left out: the null or raw muxer's complaints about timestamps, which a file trimmed with -c copy causes
 * without anything being wrong with its pictures.
 */
export function inputComplaint(log: string): string | undefined {
  // A tail kept at its cap starts inside a line: that fragment is not quoted.
  const whole = log.length >= STDERR_TAIL_CHARS ? log.slice(log.indexOf('\n') + 1) : log;
  return whole
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !/^\[(null|rawvideo) @ /.test(l) && !/non monotonically increasing dts/i.test(l));
}

let encoderList: Promise<string> | undefined;

/** Whether this ffmpeg build has an encoder (e.g. libx264); asked once per process. */
export async function hasEncoder(name: string): Promise<boolean> {
  encoderList ??= runFfmpegToBuffer(['-encoders'], { maxBytes: 4 * 1024 * 1024 })
    .then((b) => b.toString('utf8'))
    .catch(() => '');
  const list = await encoderList;
  return new RegExp(`^\\s*V\\S*\\s+${name}\\s`, 'm').test(list);
}

/**
 * Cuts a raw video stream into frames of exactly `frameBytes`, each copied into a fresh buffer from
 * `alloc` so consumers may keep them. Reads only as frames are pulled, so a slow consumer pauses ffmpeg
 * through the pipe instead of piling up chunks here. A trailing partial frame is dropped; callers count.
 */
export async function* splitRawFrames<T extends ArrayBufferView>(stream: Readable, frameBytes: number, alloc: () => T): AsyncGenerator<T> {
  let frame = alloc();
  let bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
  let filled = 0;
  if (bytes.length !== frameBytes) throw new Error(`frame buffer is ${bytes.length} bytes, expected ${frameBytes}`);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, frameBytes - filled);
      bytes.set(chunk.subarray(off, off + n), filled);
      filled += n;
      off += n;
      if (filled === frameBytes) {
        yield frame;
        frame = alloc();
        bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
        filled = 0;
      }
    }
  }
}

/**
 * Whether an ffmpeg/ffprobe failure is about reaching the bytes (network, storage, a missing binary) rather
 * than about the bytes themselves. Those are worth retrying; everything else means the media is unusable.
 */
export function isTransientFailure(err: unknown): boolean {
  if (!(err instanceof FfmpegError)) return true;
  if (err.exitCode === null) return true; // killed or could not start: nothing learned about the input
  return /server returned|connection (refused|reset|timed out)|timed out|network is unreachable|no route to host|temporary failure|input\/output error|broken pipe|resource temporarily unavailable|no such file or directory|permission denied|too many open files|cannot allocate memory/i.test(
    err.stderr,
  );
}
