/**
 * What an operator relies on, against a real redis-server and real HTTP: Prometheus metrics on the API and
 * on a worker's own port, the queue dashboard behind the admin key, and a worker that drains on SIGTERM by
 * finishing the chunk in hand (a real worker process, signalled mid-chunk).
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { cleanStaleStitchFolders } from '../services/pipeline-worker/src/stitch-reel.js';
import { startMetricsServer } from '../packages/shared/src/metrics/metrics-server.js';
import { writeFfv1Video, writePngSequence } from './support/clip-files.js';
import { startHookReceiver, startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

const ROOT = resolve(import.meta.dirname, '..');
const METRICS_TOKEN = 'metrics-token-0123456789';
const ADMIN_KEY = 'admin-key-0123456789abcdef';
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rr-ops-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function clipFile(name: string, opts: { width: number; height: number; frames: number }): Promise<string> {
  const clip = makeSyntheticClip({ ...opts, channels: 1, bits: 8, seed: 3, shift: { x: 0.5, y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  const path = join(work, name);
  await writeFfv1Video(path, clip.layout, clip.damaged);
  return path;
}

/** A TCP port nothing listened on a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** One sample of a Prometheus text exposition, by metric name and labels (a subset), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics and the queue dashboard', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // No segment worker: the segment jobs stay waiting, where the queue-depth series must show them.
    stack = await startTestStack({ services: ['pipeline'], env: { METRICS_TOKEN, ADMIN_KEY, CHUNK_FRAMES: '4' } });
  });
  afterAll(() => stack?.close());

  const metrics = async (token?: string) => fetch(`${stack.api.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('serves /metrics outside tenant auth, behind its own token, with queue depth read from BullMQ', async () => {
    expect((await metrics()).status).toBe(401);
    expect((await metrics(stack.keys.acme)).status).toBe(401);
    const before = await (await metrics(METRICS_TOKEN)).text();
    expect(sample(before, 'reelrestore_queue_jobs', { queue: 'segment', state: 'waiting' })).toBe(0);

    const { id } = await stack.client('acme').submit(multipartBody({}, { name: 'ops.mkv', contentType: 'video/x-matroska', body: createReadStream(await clipFile('ops.mkv', { width: 64, height: 48, frames: 12 })) }));
    expect(id).toBeTruthy();
    // 12 frames in chunks of 4: three segment jobs wait, three inpaint jobs wait on them, stitch on those.
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await (await metrics(METRICS_TOKEN)).text();
      // The flow is added before the probe job returns, so its duration may come a moment later.
      if (sample(text, 'reelrestore_queue_jobs', { queue: 'segment', state: 'waiting' }) === 3 && sample(text, 'reelrestore_job_duration_seconds_count', { queue: 'probe', outcome: 'completed' })) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sample(text, 'reelrestore_queue_jobs', { queue: 'segment', state: 'waiting' })).toBe(3);
    expect(sample(text, 'reelrestore_queue_jobs', { queue: 'inpaint', state: 'waiting-children' })).toBe(3);
    expect(sample(text, 'reelrestore_queue_jobs', { queue: 'stitch', state: 'waiting-children' })).toBe(1);
    // The probe ran in this process: its duration is in the histogram.
    expect(sample(text, 'reelrestore_job_duration_seconds_count', { queue: 'probe', outcome: 'completed' })).toBe(1);
    // No segment worker: nothing is active, and the series says so (KEDA's other trigger reads the same list).
    expect(sample(text, 'reelrestore_queue_jobs', { queue: 'segment', state: 'active' })).toBe(0);
  });

  it('opens the queue dashboard only with the admin key', async () => {
    const url = `${stack.api.url}/admin/queues`;
    const denied = await fetch(url);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic /);
    const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` });
    expect((await fetch(url, { headers: basic(stack.keys.acme) })).status).toBe(401);
    const page = await fetch(url, { headers: basic(ADMIN_KEY) });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const queues = (await (await fetch(`${url}/api/queues`, { headers: basic(ADMIN_KEY) })).json()) as { queues: { name: string }[] };
    expect(queues.queues.map((q) => q.name).sort()).toEqual(['inpaint', 'probe', 'review', 'segment', 'stitch', 'webhook']);
  });
});

describe("a worker's own port", () => {
  it('answers /healthz, /readyz as its readiness says, and /metrics (behind the token when set)', async () => {
    let ready = true;
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, token: METRICS_TOKEN, ready: async () => ready });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      ready = false;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toContain('# TYPE reelrestore_frames_total counter');
    } finally {
      await server.close();
    }
  });
});

describe('time budget', () => {
  it('stops a chunk that outlasts its time budget and fails the reel saying so, with every worker still running', { timeout: 60_000 }, async () => {
    // A budget no chunk can meet: 1 ms, nothing per megapixel.
    const stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median', JOB_BUDGET_BASE_MS: '1', JOB_BUDGET_MS_PER_MEGAPIXEL: '0' } });
    // The reel's failure event: refused once (retried), then taken.
    const hooks = await startHookReceiver([500, 200]);
    try {
      // Counters are per process, and other tests in this file ran workers here too.
      const scrape = async () => (await fetch(`${stack.api.url}/metrics`)).text();
      const count = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) ?? 0;
      const failures = (text: string, reason: string) => count(text, 'reelrestore_job_failures_total', { queue: 'segment', reason });
      const deliveries = (text: string, outcome: string) => count(text, 'reelrestore_webhook_deliveries_total', { outcome });
      const before = await scrape();

      const client = stack.client('acme');
      const { id } = await client.submit(
        multipartBody({ callbackUrl: hooks.url }, { name: 'budget.mkv', contentType: 'video/x-matroska', body: createReadStream(await clipFile('budget.mkv', { width: 64, height: 48, frames: 8 })) }),
      );
      const reel = await stack.waitFor(client, id);
      expect(reel.state).toBe('failed');
      expect(reel.error).toMatch(/^finding damage: frames 0-7 took longer than their time budget of 0 s/);
      await expect.poll(() => stack.unfinishedJobs(), { timeout: 15_000 }).toBe(0);
      expect(stack.workersRunning()).toBe(true);

      // The chunk failed once, for good (past its budget it is not retried): one final failure of the segment
      // queue, neither a transient one nor bad input.
      const after = await scrape();
      const reasons = ['final', 'transient', 'bad_input'] as const;
      const counted = Object.fromEntries(reasons.map((r) => [r, failures(after, r) - failures(before, r)])) as Record<(typeof reasons)[number], number>;
      expect(counted).toEqual({ final: 1, transient: 0, bad_input: 0 });

      // Webhook deliveries by outcome: the failure event refused once, then delivered (counted as the
      // delivery job ends, a moment after the receiver has it).
      await expect.poll(() => hooks.received.length, { timeout: 15_000 }).toBe(2);
      expect(hooks.received.map((h) => JSON.parse(h.body).type)).toEqual(['reel.failed', 'reel.failed']);
      await expect.poll(async () => deliveries(await scrape(), 'delivered') - deliveries(before, 'delivered'), { timeout: 15_000 }).toBe(1);
      const delivered = await scrape();
      expect(deliveries(delivered, 'failed') - deliveries(before, 'failed')).toBe(1);
      expect(deliveries(delivered, 'gave_up') - deliveries(before, 'gave_up')).toBe(0);
    } finally {
      await hooks.close();
      await stack.close();
    }
  });
});

describe('stitching interrupted', () => {
  it('a reel cancelled while stitching reports nothing and leaves no output frame behind', { timeout: 120_000 }, async () => {
    const stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median', CHUNK_FRAMES: '80' } });
    try {
      const clip = makeSyntheticClip({ width: 64, height: 48, frames: 80, channels: 1, bits: 8, seed: 6, shift: { x: 0.3, y: 0.1 }, damage: { specksPerFrame: 2, minRadius: 2, maxRadius: 3 } });
      const dir = join(work, 'long-seq');
      const names = await writePngSequence(dir, clip.layout, clip.damaged);
      const client = stack.client('acme');
      const { id } = await client.submit(multipartBody({}, { name: 'long.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }));
      await stack.waitFor(client, id, ['stitching', 'completed', 'failed'], 100_000);
      const written = async () => {
        let n = 0;
        for await (const _ of stack.deps.store.list(`reels/${id}/output/`)) n++;
        return n;
      };
      // Part-way through the frames.
      for (let i = 0; i < 200 && (await written()) < 5; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await written()).toBeGreaterThan(0);
      expect((await client.cancel(id)).state).toBe('cancelled');
      await expect.poll(() => stack.unfinishedJobs(), { timeout: 20_000 }).toBe(0);
      expect(await written()).toBe(0);
      expect((await client.status(id)).outputs).toBeUndefined();
    } finally {
      await stack.close();
    }
  });

  it('a restarted pipeline worker removes the scratch folders of stitch jobs whose process died, not of live ones', async () => {
    const dir = mkdtempSync(join(work, 'tmp-'));
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((r) => dead.on('exit', () => r(dead.pid!)));
    mkdirSync(join(dir, `rr-stitch-${deadPid}-0mx5aaaaa0000000000000000-AbC123`));
    mkdirSync(join(dir, `rr-stitch-${process.pid}-0mx5bbbbb0000000000000000-XyZ789`));
    mkdirSync(join(dir, 'something-else'));
    expect(await cleanStaleStitchFolders(dir)).toEqual([`rr-stitch-${deadPid}-0mx5aaaaa0000000000000000-AbC123`]);
    expect(readdirSync(dir).sort()).toEqual([`rr-stitch-${process.pid}-0mx5bbbbb0000000000000000-XyZ789`, 'something-else']);
  });
});

describe('drain', () => {
  it('a segment worker told SIGTERM mid-chunk finishes the chunk: the job completes on its first attempt and the reel completes', { timeout: 180_000 }, async () => {
    const stack = await startTestStack({ services: ['pipeline', 'inpaint'], env: { CHUNK_FRAMES: '16' } });
    try {
      // One chunk of 16 frames at 640x480 through the learned segmenter: seconds of work, so the signal lands inside it.
      const file = await clipFile('drain.mkv', { width: 640, height: 480, frames: 16 });
      // Its metrics port as deployed, on a port free a moment ago.
      const metricsPort = await freePort();
      const worker = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/segment-worker/src/main.ts')], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          REDIS_URL: stack.config.REDIS_URL,
          STORAGE_URL: stack.config.STORAGE_URL,
          METRICS_PORT: String(metricsPort),
          METRICS_HOST: '127.0.0.1',
          COMPUTE_THREADS: '2',
          LOG_LEVEL: 'info',
          SHUTDOWN_TIMEOUT_MS: '120000',
        },
      });
      let log = '';
      worker.stdout.on('data', (d: Buffer) => (log += d.toString()));
      worker.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | null>((r) => worker.on('exit', (code) => r(code)));

      // Counters are per process, and earlier tests in this file ran stages here too.
      const counted = async (name: string) => sample(await (await fetch(`${stack.api.url}/metrics`)).text(), name, { stage: 'inpaint' }) ?? 0;
      const before = { frames: await counted('reelrestore_frames_total'), pixels: await counted('reelrestore_pixels_total') };
      const { id } = await stack.client('acme').submit(multipartBody({}, { name: 'drain.mkv', contentType: 'video/x-matroska', body: createReadStream(file) }));
      for (let i = 0; i < 600 && !log.includes('"job started"'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(log, log).toContain('"job started"');
      // The worker process exports prom-client's process series on its own port, named for its service.
      for (let i = 0; i < 100 && !log.includes('metrics and probes listening'); i++) await new Promise((r) => setTimeout(r, 50));
      const own = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(sample(own, 'process_resident_memory_bytes', { service: 'segment-worker' })).toBeGreaterThan(10 * 2 ** 20);
      await new Promise((r) => setTimeout(r, 300));
      expect((await stack.deps.queues.segment.getJobCounts('active')).active).toBe(1);
      // The running chunk is in the queue series as active (what keeps its worker from being scaled away).
      expect(sample(await (await fetch(`${stack.api.url}/metrics`)).text(), 'reelrestore_queue_jobs', { queue: 'segment', state: 'active' })).toBe(1);
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(log).toContain('draining');
      expect(log).not.toContain('aborting running jobs');

      const jobs = await stack.deps.queues.segment.getJobs(['completed']);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.attemptsStarted).toBe(1);
      expect(jobs[0]!.stalledCounter).toBe(0);
      const reel = await stack.waitFor(stack.client('acme'), id);
      expect(reel).toMatchObject({ state: 'completed' });

      // The inpaint stage ran in this process: its work, speed, device and model version are in the metrics.
      const text = await (await fetch(`${stack.api.url}/metrics`)).text();
      expect(sample(text, 'reelrestore_frames_total', { stage: 'inpaint' })! - before.frames).toBe(16);
      expect(sample(text, 'reelrestore_pixels_total', { stage: 'inpaint' })! - before.pixels).toBe(16 * 640 * 480);
      expect(sample(text, 'reelrestore_worker_frames_per_second', { stage: 'inpaint' })).toBeGreaterThan(0);
      expect(sample(text, 'reelrestore_inference_device', { stage: 'inpaint', device: 'cpu' })).toBe(1);
      expect(text).toMatch(/reelrestore_model_info\{[^}]*model="inpaint-diffusion"[^}]*version="[0-9a-f]{12}"/);
      // The stitch job marks the reel completed inside its handler and its duration is counted when the
      // handler returns: a moment after the reel reads completed (on a loaded machine, after one scrape).
      let stitched = sample(text, 'reelrestore_job_duration_seconds_count', { queue: 'stitch', outcome: 'completed' });
      for (let i = 0; i < 50 && !(stitched! >= 1); i++) {
        await new Promise((r) => setTimeout(r, 100));
        stitched = sample(await (await fetch(`${stack.api.url}/metrics`)).text(), 'reelrestore_job_duration_seconds_count', { queue: 'stitch', outcome: 'completed' });
      }
      expect(stitched).toBeGreaterThanOrEqual(1);
    } finally {
      await stack.close();
    }
  });
});
