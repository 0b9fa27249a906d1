import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody } from '../packages/cli/src/upload-body.js';
import { probeVideo } from '../packages/shared/src/frames/probe-media.js';
import { TERMINAL_STATES } from '../packages/shared/src/reels/reel-record.js';
import { segmentService } from '../services/segment-worker/src/index.js';
import { startService } from '../packages/shared/src/workers/service.js';
import { writeFfv1Video } from './support/clip-files.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

const ROOT = resolve(import.meta.dirname, '..');
let work: string;
let video: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rr-crash-'));
  const clip = makeSyntheticClip({ width: 320, height: 240, frames: 24, channels: 1, bits: 8, seed: 77, shift: { x: 0.4, y: 0.2 }, damage: { specksPerFrame: 4 } });
  video = join(work, 'reel.mkv');
  await writeFfv1Video(video, clip.layout, clip.damaged);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function submit(stack: TestStack): Promise<string> {
  const { id } = await stack.client('acme').submit(multipartBody({}, { name: 'reel.mkv', contentType: 'video/x-matroska', body: createReadStream(video) }));
  return id;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectCompleteAndWhole(stack: TestStack, id: string): Promise<void> {
  const client = stack.client('acme');
  const reel = await stack.waitFor(client, id, TERMINAL_STATES, 120_000);
  expect(reel.error).toBeUndefined();
  expect(reel.state).toBe('completed');
  // Retried work is counted once.
  expect(reel.progress).toMatchObject({ framesTotal: 24, segmented: 24, inpainted: 24 });
  const out = join(work, `${id}.mkv`);
  await client.download(`/v1/reels/${id}/output`, out);
  expect(await probeVideo(out)).toMatchObject({ frameCount: 24 });
}

describe('nothing is lost on a crash', () => {
  it('a segment worker killed mid-chunk: another worker takes the chunk over within JOB_LOCK_MS of the kill and the reel completes', async () => {
    const JOB_LOCK_MS = 3000;
    // One chunk, so the worker that takes it over is idle when it comes free.
    const env = { JOB_LOCK_MS: String(JOB_LOCK_MS), CHUNK_FRAMES: '24' };
    const stack = await startTestStack({ services: ['pipeline', 'inpaint'], env });
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/segment-worker/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: stack.config.REDIS_URL, STORAGE_URL: stack.config.STORAGE_URL, ...env, COMPUTE_THREADS: '1', LOG_LEVEL: 'silent', METRICS_PORT: '0' },
      stdio: 'ignore',
    });
    let replacement: ReturnType<typeof startService> | undefined;
    try {
      const id = await submit(stack);
      await until(async () => ((await stack.deps.queues.segment.getJobCounts('active')).active ?? 0) > 0, 60_000, 'a segment job to start');
      const [held] = await stack.deps.queues.segment.getJobs(['active']);
      // Another worker is already running, as in production, when this one dies.
      replacement = startService([segmentService(stack.config)], stack.deps);
      await Promise.all(replacement.workers.map((w) => w.waitUntilReady()));
      expect(await held!.isActive()).toBe(true);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      await expectCompleteAndWhole(stack, id);
      // Taken over by the replacement: the same job, started a second time, after the death...
      const taken = await stack.deps.queues.segment.getJob(held!.id!);
      expect(taken!.attemptsStarted).toBe(2);
      expect(taken!.processedOn!).toBeGreaterThan(killedAt);
      // ...within JOB_LOCK_MS of it, as the README says (the margin is for timers on a loaded machine).
      expect(taken!.processedOn! - killedAt).toBeLessThanOrEqual(JOB_LOCK_MS + 1_000);
    } finally {
      child.kill('SIGKILL');
      await replacement?.close(2_000);
      await stack.close();
    }
  });

  it('Redis restarted mid-reel: its append-only file keeps the queue and the reel completes', async () => {
    // Locks long enough to outlast the restart: at 1.5 s, on two cores busy with the rest of the suite, the
    // probe's lock renewals slipped past three stalled checks and the reel failed ('job stalled more than
    // allowable limit'), which says nothing about the queue surviving. The default is 60 s.
    const stack = await startTestStack({ env: { JOB_LOCK_MS: '4000', CHUNK_FRAMES: '8' } });
    try {
      const id = await submit(stack);
      await stack.waitFor(stack.client('acme'), id, ['segmenting', 'inpainting', 'stitching', 'completed']);
      await stack.redis.stop();
      await new Promise((r) => setTimeout(r, 500));
      await stack.redis.start();
      await expectCompleteAndWhole(stack, id);
    } finally {
      await stack.close();
    }
  });
});
