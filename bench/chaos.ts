/**
 * `npm run bench -- --chaos`: the long version of test/chaos.e2e.test.ts, and a loopback load run.
 *
 * Chaos: worker processes (pipeline, segment, inpaint) are killed with SIGKILL at random moments and started
 * again, `--kills` times, and Redis is restarted once, while reels are restored one after another; every
 * reel's output frames and masks are compared with an undisturbed run's (SHA-256 from the manifest).
 * Load: `--clients` clients at once each upload a short clip and poll its status until it completes, while
 * one more polls a reel's status as fast as it is answered; latencies are reported as p50 and p99.
 * Thin frames: 16 px wide sequences ever taller, restored end to end, to show their cost follows their pixels.
 *
 *   npx tsx bench/run-bench.ts --chaos [--kills 50] [--clients 8]
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { makeSyntheticClip } from '../packages/shared/src/synthetic/synthetic-clip.js';
import { writePngSequence } from '../test/support/clip-files.js';
import { startTestStack, type TestStack } from '../test/support/stack.js';
import { WORKER_KINDS, WorkerProcesses } from '../test/support/worker-processes.js';

export interface ChaosReport {
  kills: number;
  redisRestarts: number;
  reels: number;
  framesPerReel: number;
  /** Output frames or masks of a completed reel missing or different from the undisturbed run's: silent loss. */
  framesLost: number;
  /**
   * Reels that failed, saying why: a chunk killed mid-work more often than BullMQ's stall limit allows (2,
   * which keeps a chunk that kills its worker every time from cycling forever) fails its reel.
   */
  reelsFailed: number;
  /** Why they failed, as their records say. */
  failures: string[];
  load: { clients: number; uploads: LatencySummary; statusPolls: LatencySummary; reelsCompleted: number; seconds: number };
  /**
   * Thin frames (16 px wide, 3 of them), with the aspect-ratio limit lifted: seconds end to end and per
   * megapixel. Work must grow with pixels, not faster (a 16x16000 sequence once held a worker 11 minutes).
   */
  thinFrames: { height: number; seconds: number; secondsPerMegapixel: number }[];
}

interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

const summary = (ms: number[]): LatencySummary => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { count: s.length, p50Ms: Math.round(at(0.5)), p99Ms: Math.round(at(0.99)) };
};

export async function runChaosBench(opts: { kills: number; clients: number; json?: string }): Promise<ChaosReport> {
  const work = mkdtempSync(join(tmpdir(), 'rr-chaos-bench-'));
  // No rate limit: the load run measures the service, not the limiter (which answers 429 past 600 a minute).
  const stack = await startTestStack({ services: [], env: { JOB_LOCK_MS: '1500', CHUNK_FRAMES: '8', RATE_LIMIT_PER_MINUTE: '0' } });
  // The aspect-ratio limit is lifted for the thin-frame run only; the other reels are ordinary.
  const workers = new WorkerProcesses(stack.config, { JOB_LOCK_MS: '1500', CHUNK_FRAMES: '8', COMPUTE_THREADS: '1', MAX_ASPECT_RATIO: '5000', MAX_FRAME_HEIGHT: '40000' });
  workers.startAll();
  try {
    const clip = makeSyntheticClip({ width: 96, height: 64, frames: 48, channels: 1, bits: 8, seed: 23, shift: { x: 0.6, y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
    const names = await writePngSequence(join(work, 'seq'), clip.layout, clip.damaged);
    const reference = await restore(stack, work, names);
    if ('error' in reference) throw new Error(`the undisturbed reel did not complete: ${reference.error}`);

    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let kills = 0;
    let redisRestarts = 0;
    let reels = 0;
    let framesLost = 0;
    let reelsFailed = 0;
    const failures = new Set<string>();
    while (kills < opts.kills) {
      reels++;
      const outputs = await restore(stack, work, names, async (id) => {
        for (;;) {
          await new Promise((r) => setTimeout(r, 500 + random() * 2000));
          if (['completed', 'failed'].includes((await stack.client('acme').status(id)).state) || kills >= opts.kills) return;
          if (redisRestarts === 0 && kills >= opts.kills / 2) {
            await stack.redis.stop();
            await new Promise((r) => setTimeout(r, 300));
            await stack.redis.start();
            redisRestarts++;
            continue;
          }
          workers.killAndRestart(WORKER_KINDS[Math.floor(random() * WORKER_KINDS.length)]!);
          kills++;
        }
      });
      if ('error' in outputs) {
        reelsFailed++;
        failures.add(outputs.error);
        continue;
      }
      for (const [name, sha] of Object.entries(reference)) if (outputs[name] !== sha) framesLost++;
      process.stdout.write(`  reel ${reels}: ${kills} kills so far, ${framesLost} frames lost, ${reelsFailed} reels failed\n`);
    }

    const load = await loadRun(stack, work, opts.clients);
    const thinFrames = await thinFrameRun(stack, work);
    const report: ChaosReport = { kills, redisRestarts, reels, framesPerReel: names.length, framesLost, reelsFailed, failures: [...failures], load, thinFrames };
    if (opts.json) {
      mkdirSync(dirname(resolve(opts.json)), { recursive: true });
      writeFileSync(opts.json, JSON.stringify(report, null, 2));
    }
    return report;
  } finally {
    workers.stopAll();
    await stack.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Restores the sequence; each output frame's and mask's SHA-256 by name, or why the reel failed. */
async function restore(stack: TestStack, work: string, names: string[], during?: (id: string) => Promise<void>): Promise<Record<string, string> | { error: string }> {
  const client = stack.client('acme');
  const { id } = await client.submit(multipartBody({}, { name: 'seq.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'seq'), names) }));
  await during?.(id);
  const reel = await stack.waitFor(client, id, undefined, 600_000);
  if (reel.state !== 'completed') return { error: reel.error ?? reel.state };
  const res = await fetch(`${stack.api.url}/v1/reels/${id}/output/manifest`, { headers: { authorization: `Bearer ${stack.keys.acme}` } });
  const manifest = (await res.json()) as { files: { name: string; role: string; sha256: string }[] };
  return Object.fromEntries(manifest.files.filter((f) => f.role === 'frame' || f.role === 'mask').map((f) => [f.name, f.sha256]));
}

/** Concurrent uploads followed to completion, and status polled as fast as it is answered, on loopback. */
async function loadRun(stack: TestStack, work: string, clients: number): Promise<ChaosReport['load']> {
  const clip = makeSyntheticClip({ width: 64, height: 48, frames: 8, channels: 1, bits: 8, seed: 5 });
  const names = await writePngSequence(join(work, 'small'), clip.layout, clip.damaged);
  const uploads: number[] = [];
  const polls: number[] = [];
  let done = false;
  let completed = 0;
  const started = Date.now();
  const timed = async <T>(into: number[], f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const v = await f();
    into.push(performance.now() - t);
    return v;
  };
  const client = stack.client('acme');
  const poller = (async () => {
    const { id } = await client.submit(multipartBody({}, { name: 'p.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'small'), names) }));
    while (!done) await timed(polls, () => client.status(id));
  })();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const { id } = await timed(uploads, () => client.submit(multipartBody({}, { name: 's.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'small'), names) })));
      for (;;) {
        const reel = await timed(polls, () => client.status(id));
        if (reel.state === 'completed') {
          completed++;
          return;
        }
        if (reel.state === 'failed') return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
  done = true;
  await poller;
  return { clients, uploads: summary(uploads), statusPolls: summary(polls), reelsCompleted: completed, seconds: (Date.now() - started) / 1000 };
}

/** Three frames of random noise, 16 px wide and ever taller, each restored end to end. */
async function thinFrameRun(stack: TestStack, work: string): Promise<ChaosReport['thinFrames']> {
  const out: ChaosReport['thinFrames'] = [];
  for (const height of [2000, 4000, 8000, 16000]) {
    let s = height;
    const frames = Array.from({ length: 3 }, () => {
      const d = new Uint8Array(16 * height);
      for (let i = 0; i < d.length; i++) d[i] = (s = (s * 1103515245 + 12345) % 2 ** 31) % 256;
      return d;
    });
    const dir = join(work, `thin-${height}`);
    const names = await writePngSequence(dir, { width: 16, height, channels: 1, bits: 8 }, frames);
    const started = Date.now();
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({}, { name: 'thin.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }));
    const reel = await stack.waitFor(client, id, undefined, 900_000);
    if (reel.state !== 'completed') throw new Error(`16x${height}: ${reel.state} ${reel.error ?? ''}`);
    const seconds = (Date.now() - started) / 1000;
    out.push({ height, seconds, secondsPerMegapixel: seconds / ((3 * 16 * height) / 1e6) });
  }
  return out;
}

export function chaosTable(r: ChaosReport): string {
  return [
    '| kills | Redis restarts | reels | frames lost in completed reels | reels failed (stall limit) | clients | uploads p50 / p99 (ms) | status p50 / p99 (ms), requests | reels completed under load |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${r.kills} | ${r.redisRestarts} | ${r.reels} of ${r.framesPerReel} frames | ${r.framesLost} | ${r.reelsFailed} | ${r.load.clients} | ${r.load.uploads.p50Ms} / ${r.load.uploads.p99Ms} | ${r.load.statusPolls.p50Ms} / ${r.load.statusPolls.p99Ms}, ${r.load.statusPolls.count} | ${r.load.reelsCompleted} of ${r.load.clients} in ${r.load.seconds.toFixed(0)} s |`,
    ...(r.failures.length ? ['', `Failed reels said: ${r.failures.map((f) => `"${f}"`).join('; ')}`] : []),
    '',
    '| thin frames (3 of 16 px wide) | seconds end to end | seconds per megapixel |',
    '|---|---|---|',
    ...r.thinFrames.map((t) => `| 16x${t.height} | ${t.seconds.toFixed(1)} | ${t.secondsPerMegapixel.toFixed(1)} |`),
  ].join('\n');
}
