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
import { WORKER_KINDS, WorkerProcesses } from './support/worker-processes.js';

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
    const kills: string[] = [];
    const disturbed = await restore(async (id) => {
      for (let i = 0; i < 4; i++) {
        // Short enough that all four land while the reel runs: the whole restore takes about 2 s on a fast machine.
        await new Promise((r) => setTimeout(r, 100 + random() * 400));
        const state = (await stack.client('acme').status(id)).state;
        if (state === 'completed') break;
        if (i === 2) {
          await stack.redis.stop();
          await new Promise((r) => setTimeout(r, 300));
          await stack.redis.start();
          kills.push(`redis during ${state}`);
          continue;
        }
        const kind = WORKER_KINDS[Math.floor(random() * WORKER_KINDS.length)]!;
        workers.killAndRestart(kind);
        kills.push(`${kind} during ${state}`);
      }
    });
    expect(kills.length).toBeGreaterThan(0);
    expect(disturbed, kills.join(', ')).toEqual(undisturbed);
    await expect.poll(() => stack.unfinishedJobs(), { timeout: 20_000 }).toBe(0);
  });
});
