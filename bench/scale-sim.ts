/**
 * `npm run bench:scale`: how throughput grows with workers, and what a reel costs Redis. For each worker
 * count it starts one private redis-server, the API, one pipeline worker and N segment and N inpaint worker
 * processes (as separate Deployments would run), restores a many-shot reel of small frames, and reports
 * frames per second, how long chunks waited in the queues, and what the reel costs Redis.
 *
 * Redis is measured two ways. The reel's own keys (its record, every job of it, their dependency and result
 * hashes) are summed exactly with MEMORY USAGE … SAMPLES 0 (without SAMPLES 0 Redis estimates a hash or list
 * from 5 of its elements, and job hashes differ widely in size). That cost grows with the reel's chunks (two
 * jobs each, plus their entries in the stitch job's results and the record), not with its frames, so a
 * 16,000-frame reel's figure is the cost per chunk times the chunks it has at the services' default
 * CHUNK_FRAMES (32; the bench runs 8-frame chunks to have many). The growth of every key's MEMORY USAGE over
 * the reel adds what it leaves in shared keys: the queues' completed sets and event streams (capped), and, as
 * each run starts a fresh Redis, the queues' own keys made for the first reel. INFO's used_memory is not used:
 * it moves with client buffers and the allocator by as much as a small reel costs.
 *
 *   npx tsx bench/scale-sim.ts [--workers 1,2,4] [--shots 12] [--shot-frames 16] [--size 192x144] [--json <file>]
 *
 * On this machine's two cores more than two processes per stage share the same CPUs: the figures show
 * where adding workers stops paying on one machine, not a cluster's ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ApiClient } from '../packages/cli/src/api-client.js';
import { multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { startApi } from '../services/api/src/index.js';
import { loadConfig } from '../packages/shared/src/config.js';
import type { Samples } from '../packages/shared/src/frames/types.js';
import { openQueues, closeQueues } from '../packages/shared/src/queues.js';
import { PrivateRedis } from '../packages/shared/src/redis-server.js';
import { makeSyntheticClip } from '../packages/shared/src/synthetic/synthetic-clip.js';
import { writePngSequence } from '../test/support/clip-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'rr_scale_sim_key_0123456789abcdef';
const LONG_REEL_FRAMES = 16_000;
/** The services' default chunk length, which a 16,000-frame reel is cut by. */
const DEFAULT_CHUNK_FRAMES = loadConfig({}).CHUNK_FRAMES;

export interface ScaleRun {
  workersPerStage: number;
  frames: number;
  shots: number;
  seconds: number;
  framesPerSecond: number;
  /** Seconds a segment job waited between being queued and being taken. */
  segmentWait: { mean: number; p95: number };
  /** Seconds an inpaint job waited between its segment job finishing and being taken. */
  inpaintWait: { mean: number; p95: number };
  /**
   * Growth of all keys' MEMORY USAGE (SAMPLES 0) over the reel: its own keys, plus what it leaves in shared
   * ones (the queues' completed sets; BullMQ's event streams, capped at 10,000 entries a queue; in a fresh
   * Redis, the queues' own keys, made once).
   */
  redisBytesPerReel: number;
  /** What the keys that name the reel hold (its record and every job of it), exactly (MEMORY USAGE … SAMPLES 0). */
  reelKeyBytes: number;
  redisKeysPerReel: number;
  /** Chunks the reel was cut into (one segment and one inpaint job each). */
  chunks: number;
  reelKeyBytesPerChunk: number;
  /** reelKeyBytesPerChunk × the chunks of a 16,000-frame reel at the default CHUNK_FRAMES (shots longer than a chunk). */
  redisBytesFor16kFrames: number;
}

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    shots: { type: 'string', default: '12' },
    'shot-frames': { type: 'string', default: '16' },
    size: { type: 'string', default: '192x144' },
    json: { type: 'string' },
  },
});

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? 0 };
};

/** A reel of `shots` shots with hard cuts: each shot another picture and motion, every other one inverted. */
async function writeReel(dir: string, shots: number, frames: number, width: number, height: number): Promise<string[]> {
  const all: Samples[] = [];
  for (let s = 0; s < shots; s++) {
    const clip = makeSyntheticClip({ width, height, frames, channels: 1, bits: 8, seed: 100 + s, shift: { x: 0.6 - 0.1 * (s % 5), y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
    all.push(...(s % 2 ? clip.damaged.map((f) => f.map((v) => 255 - v) as Samples) : clip.damaged));
  }
  return writePngSequence(dir, { width, height, channels: 1, bits: 8 }, all);
}

function startWorker(service: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services', service, 'src/main.ts')], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${service}] ${d}`));
  return child;
}

async function run(workers: number, reelDir: string, names: string[], shots: number): Promise<ScaleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'rr-scale-'));
  const redis = await new PrivateRedis({ dir: join(dir, 'redis') }).start();
  const env = {
    REDIS_URL: redis.url,
    STORAGE_URL: `file://${join(dir, 'store')}`,
    API_KEYS: `bench:${createHash('sha256').update(KEY).digest('hex')}`,
    LOG_LEVEL: 'warn',
    METRICS_PORT: '0',
    COMPUTE_THREADS: '1',
    CHUNK_FRAMES: '8',
  };
  const config = loadConfig({ ...env, HOST: '127.0.0.1', PORT: '0' });
  const api = await startApi(config);
  const procs = [startWorker('pipeline-worker', env)];
  for (let i = 0; i < workers; i++) procs.push(startWorker('segment-worker', env), startWorker('inpaint-worker', env));
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queues = openQueues(conn, config.QUEUE_PREFIX);
  try {
    // Every worker connected before the clock starts.
    for (;;) {
      const [seg, inp] = await Promise.all([queues.segment.getWorkersCount(), queues.inpaint.getWorkersCount()]);
      if (seg >= workers && inp >= workers) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const memoryBefore = sum(await keyBytes(conn));
    const keysBefore = await conn.dbsize();
    const client = new ApiClient(api.url, KEY);
    const started = Date.now();
    const { id } = await client.submit(multipartBody({}, { name: 'reel.tar', contentType: 'application/x-tar', body: tarOfFrames(reelDir, names) }));
    let reel = await client.status(id);
    while (!['completed', 'failed', 'cancelled'].includes(reel.state)) {
      await new Promise((r) => setTimeout(r, 250));
      reel = await client.status(id);
    }
    if (reel.state !== 'completed') throw new Error(`reel ${reel.state}: ${reel.error}`);
    const seconds = (Date.now() - started) / 1000;
    if (reel.shots.length !== shots) process.stderr.write(`note: ${reel.shots.length} shots found, ${shots} made\n`);

    const segJobs = await queues.segment.getJobs(['completed']);
    const segDone = new Map(segJobs.map((j) => [`${j.data.shot}/${j.data.chunk}`, j.finishedOn ?? 0]));
    const inpJobs = await queues.inpaint.getJobs(['completed']);
    const after = await keyBytes(conn);
    const memory = sum(after) - memoryBefore;
    const keys = (await conn.dbsize()) - keysBefore;
    const frames = names.length;
    const reelBytes = sum(new Map([...after].filter(([key]) => key.includes(id))));
    return {
      workersPerStage: workers,
      frames,
      shots: reel.shots.length,
      seconds,
      framesPerSecond: frames / seconds,
      segmentWait: stats(segJobs.map((j) => ((j.processedOn ?? 0) - j.timestamp) / 1000)),
      inpaintWait: stats(inpJobs.map((j) => ((j.processedOn ?? 0) - (segDone.get(`${j.data.shot}/${j.data.chunk}`) ?? j.timestamp)) / 1000)),
      redisBytesPerReel: memory,
      reelKeyBytes: reelBytes,
      redisKeysPerReel: keys,
      chunks: segJobs.length,
      reelKeyBytesPerChunk: reelBytes / segJobs.length,
      redisBytesFor16kFrames: (reelBytes / segJobs.length) * Math.ceil(LONG_REEL_FRAMES / DEFAULT_CHUNK_FRAMES),
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
    await closeQueues(queues);
    conn.disconnect();
    await api.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every key's size, exactly: MEMORY USAGE with SAMPLES 0 counts every element (the default estimates a hash or list from 5). */
async function keyBytes(redis: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) out.set(key, Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0));
  } while (cursor !== '0');
  return out;
}

const sum = (sizes: Map<string, number>) => [...sizes.values()].reduce((a, b) => a + b, 0);

export function scaleTable(runs: ScaleRun[]): string {
  const mb = (b: number) => (b / 1e6).toFixed(2);
  const lines = [
    `| workers per stage | frames/s | speed-up | segment queue wait mean / p95 (s) | inpaint queue wait mean / p95 (s) | Redis keys' growth over the reel (MB, keys) | the reel's own keys per chunk (kB) | a 16,000-frame reel's keys, ${DEFAULT_CHUNK_FRAMES}-frame chunks (MB) |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of runs) {
    lines.push(
      `| ${r.workersPerStage} | ${r.framesPerSecond.toFixed(2)} | ${(r.framesPerSecond / runs[0]!.framesPerSecond).toFixed(2)}× | ${r.segmentWait.mean.toFixed(1)} / ${r.segmentWait.p95.toFixed(1)} | ${r.inpaintWait.mean.toFixed(1)} / ${r.inpaintWait.p95.toFixed(1)} | ${mb(r.redisBytesPerReel)}, ${r.redisKeysPerReel} | ${(r.reelKeyBytesPerChunk / 1000).toFixed(2)} | ${mb(r.redisBytesFor16kFrames)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const counts = values.workers.split(',').map(Number);
  const shots = Number(values.shots);
  const shotFrames = Number(values['shot-frames']);
  const [width, height] = values.size.split('x').map(Number) as [number, number];
  const work = mkdtempSync(join(tmpdir(), 'rr-scale-reel-'));
  try {
    const reelDir = join(work, 'frames');
    mkdirSync(reelDir);
    const names = await writeReel(reelDir, shots, shotFrames, width, height);
    console.log(`A ${names.length}-frame ${width}x${height} reel of ${shots} shots, chunks of 8 frames, learned models, ${cpus().length} cores.`);
    const runs: ScaleRun[] = [];
    for (const n of counts) {
      const r = await run(n, reelDir, names, shots);
      console.log(`  ${n} worker(s) per stage: ${r.framesPerSecond.toFixed(2)} frames/s`);
      runs.push(r);
    }
    console.log(`\n${scaleTable(runs)}`);
    if (values.json) mkdirSync(dirname(resolve(values.json)), { recursive: true });
    if (values.json) writeFileSync(values.json, JSON.stringify({ cores: cpus().length, size: { width, height }, runs }, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
