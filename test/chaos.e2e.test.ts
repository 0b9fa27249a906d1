/**
 * Chaos: while one reel is restored, worker processes (pipeline, segment, inpaint, each its own `node`
 * process as in a deployment) are killed with SIGKILL at random moments and started again, and Redis is
 * restarted once. The outputs must be byte-identical to an undisturbed run's (compared file by file through
 * the manifest's SHA-256s), with nothing left in the queues. `npm run bench -- --chaos` is the long version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { writePngSequence } from './support/clip-files.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';
import { WORKER_KINDS, WorkerProcesses, type WorkerKind } from './support/worker-processes.js';

let stack: TestStack;
let work: string;
let names: string[];
let workers: WorkerProcesses;

beforeAll(async () => {
  // The API only, in this process; every worker is a separate process the test can kill.
  stack = await startTestStack({ services: [], env: { JOB_LOCK_MS: '1500', CHUNK_FRAMES: '8' } });
  work = mkdtempSync(join(tmpdir(), 'rr-chaos-'));
  const clip = makeSyntheticClip({ width: 96, height: 64, frames: 32, channels: 1, bits: 8, seed: 17, shift: { x: 0.6, y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  names = await writePngSequence(join(work, 'seq'), clip.layout, clip.damaged);
  workers = new WorkerProcesses(stack.config, { JOB_LOCK_MS: '1500', CHUNK_FRAMES: '8', COMPUTE_THREADS: '1' });
  workers.startAll();
}, 60_000);

afterAll(async () => {
  workers?.stopAll();
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Restores the sequence; returns each output file's name and SHA-256 from the manifest. */
async function restore(during?: (id: string) => Promise<void>): Promise<Record<string, string>> {
  const client = stack.client('acme');
  const { id } = await client.submit(multipartBody({}, { name: 'seq.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'seq'), names) }));
  await during?.(id);
  const reel = await stack.waitFor(client, id, undefined, 150_000);
  expect(reel.error).toBeUndefined();
  expect(reel.state).toBe('completed');
  const manifest = (await (await fetch(`${stack.api.url}/v1/reels/${id}/output/manifest`, { headers: { authorization: `Bearer ${stack.keys.acme}` } })).json()) as {
    files: { name: string; role: string; sha256: string }[];
  };
  // The preview is H.264 for the eye; the report holds timings. The restored frames and masks are the output.
  return Object.fromEntries(manifest.files.filter((f) => f.role === 'frame' || f.role === 'mask').map((f) => [f.name, f.sha256]));
}

describe('chaos', () => {
  it('workers killed at random moments and Redis restarted once leave the output byte-identical', { timeout: 300_000 }, async () => {
    const undisturbed = await restore();
    expect(Object.keys(undisturbed).length).toBe(2 * names.length);

    // A fixed seed, so a failure can be replayed.
    let seed = 20261202;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Four kills: each kind once in a random order, then one more, so no kind dies more than twice (a
    // chunk whose worker dies three times fails on BullMQ's stall limit, as it should). Redis restarts
    // once, between two of them.
    const order: WorkerKind[] = [...WORKER_KINDS];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    order.push(WORKER_KINDS[Math.floor(random() * WORKER_KINDS.length)]!);
    const redisAfter = 1 + Math.floor(random() * (order.length - 1));
    const events: string[] = [];
    // The reel cannot finish before the disturbances are over: its stitch waits, paused, until then (the
    // kills and the restart still land in whatever segmenting and inpainting is running).
    const stitch = stack.deps.queues.stitch;
    await stitch.pause();
    let disturbed: Record<string, string>;
    try {
      disturbed = await restore(async (id) => {
        const state = async () => {
          // Just after Redis came back the API may answer 503 for a moment.
          for (let attempt = 0; ; attempt++) {
            try {
              return (await stack.client('acme').status(id)).state;
            } catch (err) {
              if (attempt >= 50) throw err;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        };
        // From the first chunk on, so the kills land in the compute, not all in the probe.
        const started = Date.now();
        while (!['segmenting', 'inpainting', 'stitching'].includes(await state())) {
          if (Date.now() - started > 60_000) throw new Error('the reel never started segmenting');
          await new Promise((r) => setTimeout(r, 50));
        }
        for (const [i, kind] of order.entries()) {
          await new Promise((r) => setTimeout(r, 100 + random() * 400));
          workers.killAndRestart(kind);
          events.push(`${kind} killed during ${await state()}`);
          if (i + 1 === redisAfter) {
            await new Promise((r) => setTimeout(r, 100 + random() * 400));
            await stack.redis.stop();
            await new Promise((r) => setTimeout(r, 300));
            await stack.redis.start();
            events.push(`redis restarted during ${await state()}`);
          }
        }
        await stitch.resume();
      });
    } finally {
      await stitch.resume().catch(() => undefined);
    }
    const kills = events.filter((e) => e.includes(' killed during '));
    const restarts = events.filter((e) => e.startsWith('redis restarted'));
    expect(kills.length, events.join(', ')).toBe(4);
    expect(restarts.length, events.join(', ')).toBe(1);
    // All of them while the reel ran.
    for (const e of events) expect(e).not.toMatch(/during (completed|failed|cancelled)$/);
    expect(disturbed, events.join(', ')).toEqual(undisturbed);
    await expect.poll(() => stack.unfinishedJobs(), { timeout: 20_000 }).toBe(0);
  });
});
