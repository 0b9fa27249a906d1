/**
 * Needs `redis-server` on PATH: a private one is started for this file. Webhooks go to a local
 * node:http receiver, so private addresses are allowed in the config.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRedis } from '../../../../test/support/redis-server.js';
import { loadConfig } from '../config.js';
import { newReelId } from '../ids.js';
import { jobIds } from '../jobs.js';
import { createLogger } from '../logger.js';
import { closeQueues, openQueues, type Queues } from '../queues.js';
import { ReelStore } from '../reels/reel-store.js';
import { processWebhookJob, type WebhookBody } from './deliver-webhook.js';
import { notifyReelFinished, webhookEventId, type ReelEventType } from './notify-reel-finished.js';
import { verifyWebhook } from './sign-webhook.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PREFIX = 'rrtest';
const config = loadConfig({
  WEBHOOK_SECRETS: `acme:${SECRET}`,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_BACKOFF_MS: '100',
  WEBHOOK_ATTEMPTS: '5',
  WEBHOOK_TIMEOUT_MS: '500',
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
/** Per path: how to answer the n-th request (0-based). */
type Script = (n: number, res: ServerResponse) => void;

let redis: TestRedis;
let client: Redis;
let workerConnection: Redis;
let reels: ReelStore;
let queues: Queues;
let worker: Worker;
let receiver: Server;
let baseUrl = '';
const scripts = new Map<string, Script>();
const received = new Map<string, Received[]>();
const timers = new Set<NodeJS.Timeout>();

function startReceiver(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const list = received.get(path) ?? [];
      list.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      received.set(path, list);
      const script = scripts.get(path) ?? ((_n, r) => r.writeHead(404).end());
      script(list.length - 1, res);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function createFinishedReel(opts: { tenantId?: string; path?: string; state: 'completed' | 'failed'; error?: string }): Promise<string> {
  const id = newReelId();
  await reels.create({
    id,
    tenantId: opts.tenantId ?? 'acme',
    source: { type: 'video', key: `reels/${id}/source/a.mov`, fileName: 'a.mov', size: 1 },
    options: { chunkFrames: 32, outputFormat: 'ffv1' },
    callbackUrl: opts.path ? `${baseUrl}${opts.path}` : undefined,
  });
  await reels.transition(id, opts.state, opts.error ? { error: opts.error } : {});
  return id;
}

async function waitForJob(jobId: string, timeoutMs = 8_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // State first, then the job: a job read before it finished keeps a null returnvalue even after
    // its state turns completed.
    const state = await queues.webhook.getJobState(jobId);
    const job = state === 'completed' || state === 'failed' ? await queues.webhook.getJob(jobId) : undefined;
    if (job) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const jobIdFor = (reelId: string, type: ReelEventType) => jobIds.webhook(webhookEventId(reelId, type));
const deps = () => ({ queues, reels, config });

beforeAll(async () => {
  redis = await new TestRedis().start();
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  workerConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
  reels = new ReelStore(client, PREFIX);
  queues = openQueues(client, PREFIX);
  receiver = await startReceiver();
  baseUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const logger = createLogger('webhooks-test', 'silent');
  worker = new Worker('webhook', processWebhookJob({ reels, config, logger, publicUrl: 'https://restore.example.com/' }), {
    connection: workerConnection,
    prefix: PREFIX,
    concurrency: 4,
  });
  worker.on('error', () => undefined);
});

afterAll(async () => {
  for (const t of timers) clearTimeout(t);
  await worker?.close();
  if (queues) await closeQueues(queues);
  workerConnection?.disconnect();
  client?.disconnect();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
  await redis?.destroy();
});

describe('webhook delivery', () => {
  it('retries 500s with backoff, then delivers; every attempt is signed with the same id and recorded', async () => {
    scripts.set('/retry', (n, res) => res.writeHead(n < 2 ? 500 : 200).end());
    const reelId = await createFinishedReel({ path: '/retry', state: 'completed' });
    await notifyReelFinished(deps(), reelId, 'reel.completed');

    const job = await waitForJob(jobIdFor(reelId, 'reel.completed'));
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toEqual({ status: 200 });

    const requests = received.get('/retry') ?? [];
    expect(requests).toHaveLength(3);
    const ids = new Set(requests.map((r) => r.headers['webhook-id']));
    expect([...ids]).toEqual([`evt_${reelId}_completed`]);
    for (const r of requests) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifyWebhook(SECRET, r.headers, r.body)).toBe(true);
      const body = JSON.parse(r.body) as WebhookBody;
      expect(body.type).toBe('reel.completed');
      expect(body.data.id).toBe(reelId);
      expect(body.data.state).toBe('completed');
      expect(body.data.progress.percent).toBe(100);
      expect(body.data.links?.report).toBe(`https://restore.example.com/v1/reels/${reelId}/report`);
    }
    // The body is the same on every attempt; only the timestamp header moves.
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);

    const rec = await reels.get(reelId);
    expect(rec?.webhooks.map((w) => [w.attempt, w.status, w.delivered])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    expect(rec?.webhooks.every((w) => w.eventId === `evt_${reelId}_completed` && w.type === 'reel.completed')).toBe(true);
  });

  it('records a timeout when the receiver hangs, then delivers on the retry', async () => {
    scripts.set('/slow', (n, res) => {
      if (n > 0) return void res.writeHead(204).end();
      const t = setTimeout(() => res.writeHead(200).end(), 1_500);
      timers.add(t);
    });
    const reelId = await createFinishedReel({ path: '/slow', state: 'completed' });
    await notifyReelFinished(deps(), reelId, 'reel.completed');

    const job = await waitForJob(jobIdFor(reelId, 'reel.completed'));
    expect(await job.getState()).toBe('completed');
    const rec = await reels.get(reelId);
    expect(rec?.webhooks).toHaveLength(2);
    expect(rec?.webhooks[0]).toMatchObject({ attempt: 1, delivered: false, error: 'timeout after 500 ms' });
    expect(rec?.webhooks[0]?.ms).toBeGreaterThanOrEqual(450);
    expect(rec?.webhooks[1]).toMatchObject({ attempt: 2, delivered: true, status: 204 });
  });

  it('enqueues one job per event however often the reel is reported finished', async () => {
    scripts.set('/once', (_n, res) => res.writeHead(200).end());
    const reelId = await createFinishedReel({ path: '/once', state: 'failed', error: 'probe: not a video' });
    await notifyReelFinished(deps(), reelId, 'reel.failed');
    await notifyReelFinished(deps(), reelId, 'reel.failed');

    const job = await waitForJob(jobIdFor(reelId, 'reel.failed'));
    expect(job.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 100 } });
    // A third report after delivery must not send the event again either.
    await notifyReelFinished(deps(), reelId, 'reel.failed');
    await new Promise((r) => setTimeout(r, 300));

    const requests = received.get('/once') ?? [];
    expect(requests).toHaveLength(1);
    const body = JSON.parse(requests[0]?.body ?? '{}') as WebhookBody;
    expect(body).toMatchObject({ type: 'reel.failed', data: { id: reelId, state: 'failed', error: 'probe: not a video' } });
    expect(body.data.links).toBeUndefined();
    expect((await reels.get(reelId))?.webhooks).toHaveLength(1);
  });

  it('enqueues nothing for a reel without a callbackUrl', async () => {
    const reelId = await createFinishedReel({ state: 'completed' });
    await notifyReelFinished(deps(), reelId, 'reel.completed');
    expect(await queues.webhook.getJob(jobIdFor(reelId, 'reel.completed'))).toBeUndefined();
  });

  it('fails at once, without retries, when the tenant has no webhook secret', async () => {
    scripts.set('/nosecret', (_n, res) => res.writeHead(200).end());
    const reelId = await createFinishedReel({ tenantId: 'globex', path: '/nosecret', state: 'completed' });
    await notifyReelFinished(deps(), reelId, 'reel.completed');

    const job = await waitForJob(jobIdFor(reelId, 'reel.completed'));
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe('no webhook secret configured for tenant globex');
    const rec = await reels.get(reelId);
    expect(rec?.webhooks).toEqual([
      expect.objectContaining({ attempt: 1, delivered: false, error: 'no webhook secret configured for tenant globex' }),
    ]);
    expect(received.get('/nosecret')).toBeUndefined();
  });
});
