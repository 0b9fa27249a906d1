/**
 * Frames per second per stage and peak memory per worker, each stage in its own child process on the
 * same frames: segment (spike detector), segment_unet (learned detector), inpaint (median fill given the
 * true masks), end to end (detect + fill), and ffmpeg's tmedian as the yardstick. These run on one thread
 * (ffmpeg with -threads 1 -filter_threads 1), so the ratios compare per core. segment_worker is the
 * exception: the learned segmenter as a segment worker runs it, through its compute pool with one thread
 * per core, measured in wall-clock time: what the machine delivers. inpaint_worker is the learned
 * inpainter measured the same way.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFilmSequence } from '@reelrestore/shared/synthetic/index';
import { CONTEXT_FRAMES } from './peers/median-inpainter.js';
import { MODEL_WORKER_GLIBC_TUNABLES } from '@reelrestore/shared/workers/malloc-tunables';

export const STAGES = ['segment', 'segment_unet', 'segment_worker', 'inpaint', 'inpaint_worker', 'end_to_end', 'tmedian'] as const;
export type Stage = (typeof STAGES)[number];

export interface SpeedSize {
  label: string;
  width: number;
  height: number;
  /**
   * A photograph for the plate (default: a procedural one). The learned segmenter's cost follows how much of
   * the frame its cascade sends to the network, which textured photographs raise well above a procedural plate.
   */
  plate?: string;
}

export const SIZE_2K: SpeedSize = { label: '2k', width: 2048, height: 1556 };
export const SIZE_4K: SpeedSize = { label: '4k', width: 4096, height: 3112 };

export interface StageResult {
  frames: number;
  seconds: number;
  fps: number;
  peak_rss_mb: number;
}

export interface SpeedEntry {
  stage: Stage;
  size: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  /** fps / tmedian's fps at the same size. */
  vs_tmedian: number | null;
}

export interface MemoryEntry {
  stage: Stage;
  size: string;
  peak_rss_mb: number;
}

export interface SpeedRun {
  size: SpeedSize;
  stages: readonly Stage[];
  /** Measured frames; CONTEXT_FRAMES more on each side are written as context. */
  frames: number;
  /** Stages that measure other numbers of frames, each on a clip of its own length (same size and seed). */
  framesOf?: Partial<Record<Stage, number>>;
}

export interface SpeedOptions {
  runs: SpeedRun[];
  /** Per child process; a stage that runs longer is killed and reported as failed. */
  timeoutMs: number;
  seed: number;
  log?: (line: string) => void;
}

const CHILD = fileURLToPath(new URL('./stage-child.ts', import.meta.url));

export async function measureSpeed(opts: SpeedOptions): Promise<{ speed: Record<string, SpeedEntry>; memory: Record<string, MemoryEntry> }> {
  const speed: Record<string, SpeedEntry> = {};
  const memory: Record<string, MemoryEntry> = {};
  for (const { size, stages, frames, framesOf = {} } of opts.runs) {
    // One clip per length: the generator plans a clip's damage and look over its whole length, so a longer
    // clip's first frames are other frames, and the stages that measure `frames` keep theirs.
    const clips = new Map<number, { dir: string; layout: { channels: 3; bits: 16 } }>();
    const dirs: string[] = [];
    const clipOf = async (total: number) => {
      const known = clips.get(total);
      if (known) return known;
      const dir = await mkdtemp(join(tmpdir(), 'rr-bench-speed-'));
      dirs.push(dir);
      // The archive case: RGB at 16 bits (2K/4K DPX or TIFF scans), damaged like the synthetic set.
      const clip = { dir, layout: await writeFrames(dir, size, total, opts.seed) };
      clips.set(total, clip);
      return clip;
    };
    try {
      const results: Partial<Record<Stage, StageResult>> = {};
      for (const stage of stages) {
        const total = (framesOf[stage] ?? frames) + 2 * CONTEXT_FRAMES;
        const { dir, layout } = await clipOf(total);
        const args = [stage, dir, size.width, size.height, layout.channels, layout.bits, total, CONTEXT_FRAMES].map(String);
        const r = await runChild(args, stageEnv(stage), opts.timeoutMs);
        results[stage] = r;
        opts.log?.(`  ${stage}@${size.label}: ${r.fps.toFixed(2)} fps, ${r.peak_rss_mb.toFixed(0)} MB`);
      }
      const ref = results.tmedian?.fps ?? null;
      for (const stage of stages) {
        const r = results[stage]!;
        const key = `${stage}@${size.label}`;
        speed[key] = { stage, size: size.label, width: size.width, height: size.height, frames: r.frames, fps: r.fps, vs_tmedian: ref ? r.fps / ref : null };
        memory[key] = { stage, size: size.label, peak_rss_mb: r.peak_rss_mb };
      }
    } finally {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    }
  }
  return { speed, memory };
}

/** Writes the damaged frames and their true masks as raw files, one frame at a time after generating. */
async function writeFrames(dir: string, size: SpeedSize, total: number, seed: number): Promise<{ channels: 3; bits: 16 }> {
  // Same generator as the quality set, so the damaged share (which the fill's cost follows) is realistic.
  const clip = await makeFilmSequence({
    name: `speed-${size.label}`,
    width: size.width,
    height: size.height,
    frames: total,
    channels: 3,
    bits: 16,
    seed,
    motion: 'pan',
    ...(size.plate ? { plate: size.plate } : {}),
  });
  const frames = await open(join(dir, 'frames.raw'), 'w');
  const masks = await open(join(dir, 'masks.raw'), 'w');
  try {
    for (let i = 0; i < total; i++) {
      const f = clip.damaged[i]!;
      await frames.write(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
      await masks.write(clip.masks[i]!);
    }
  } finally {
    await frames.close();
    await masks.close();
  }
  return { channels: 3, bits: 16 };
}

/**
 * A stage process's environment: our stages run with the allocator settings of the model workers' images
 * (malloc-tunables.ts); tmedian, the yardstick, runs ffmpeg as it comes, comparable across benches.
 */
export function stageEnv(stage: Stage, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return stage === 'tmedian' ? env : { ...env, GLIBC_TUNABLES: MODEL_WORKER_GLIBC_TUNABLES };
}

function runChild(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`stage ${args[0]} ${sig ? `killed (${sig}, over ${timeoutMs} ms?)` : `exited ${code}`}: ${err.trim().slice(-800)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as StageResult);
      } catch {
        reject(new Error(`stage ${args[0]} printed no result: ${out.slice(-300)}`));
      }
    });
  });
}
