import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type RunningApi } from '../../services/api/src/index.js';
import { inpaintService } from '../../services/inpaint-worker/src/index.js';
import { pipelineService } from '../../services/pipeline-worker/src/index.js';
import { segmentService } from '../../services/segment-worker/src/index.js';
import { ApiClient } from '../../packages/cli/src/api-client.js';
import { loadConfig, type Config } from '../../packages/shared/src/config.js';
import { QUEUES } from '../../packages/shared/src/jobs.js';
import { createLogger } from '../../packages/shared/src/logger.js';
import { TERMINAL_STATES, type ReelRecord } from '../../packages/shared/src/reels/reel-record.js';
import { generateWebhookSecret } from '../../packages/shared/src/webhooks/sign-webhook.js';
import type { RunningWorkers, WorkerDeps } from '../../packages/shared/src/workers/start-workers.js';
import { closeDeps, openDeps, startService } from '../../packages/shared/src/workers/service.js';
import { TestRedis } from './redis-server.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface TestStack {
  config: Config;
  deps: WorkerDeps;
  api: RunningApi;
  redis: TestRedis;
  webhookSecret: string;
  keys: { acme: string; beta: string };
  /** The services' JSON log lines, when started with captureLogs. */
  logs: Record<string, unknown>[];
  client(tenant: 'acme' | 'beta'): ApiClient;
  waitFor(client: ApiClient, id: string, states?: readonly ReelRecord['state'][], timeoutMs?: number): Promise<ReelRecord>;
  /** Jobs of every queue that are not finished: what "nothing stuck" means. */
  unfinishedJobs(): Promise<number>;
  /** Every BullMQ worker of the stack still takes jobs (none crashed or closed). */
  workersRunning(): boolean;
  close(): Promise<void>;
}

/** The whole service against a private redis-server: the real API over HTTP and every worker, in this process. */
export type StageService = 'pipeline' | 'segment' | 'inpaint';

export async function startTestStack(
  opts: { env?: Record<string, string>; storageUrl?: string; services?: StageService[]; captureLogs?: boolean } = {},
): Promise<TestStack> {
  const redis = await new TestRedis().start();
  const storeDir = mkdtempSync(join(tmpdir(), 'rr-store-'));
  const keys = { acme: `rr_test_${randomBytes(8).toString('hex')}`, beta: `rr_test_${randomBytes(8).toString('hex')}` };
  const webhookSecret = generateWebhookSecret();
  const config = loadConfig({
    REDIS_URL: redis.url,
    STORAGE_URL: opts.storageUrl ?? `file://${storeDir}`,
    API_KEYS: `acme:${sha256(keys.acme)},beta:${sha256(keys.beta)}`,
    WEBHOOK_SECRETS: `acme:${webhookSecret}`,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_BACKOFF_MS: '100',
    COMPUTE_THREADS: '2',
    LOG_LEVEL: process.env.LOG_LEVEL ?? (opts.captureLogs ? 'info' : 'silent'),
    HOST: '127.0.0.1',
    PORT: '0',
    CHUNK_FRAMES: '8',
    JOB_ATTEMPTS: '2',
    SHUTDOWN_TIMEOUT_MS: '2000',
    // The API shares this process with every worker and the test itself: their pauses are not overload.
    API_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...opts.env,
  });
  // With captureLogs, every JSON log line of the stack's services lands in `logs`, for tests that check what an operator would read.
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('test', config.LOG_LEVEL, opts.captureLogs ? { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } : undefined);
  const deps = openDeps(config, logger);
  const wanted = opts.services ?? ['pipeline', 'segment', 'inpaint'];
  const services = [
    ...(wanted.includes('pipeline') ? [pipelineService(deps)] : []),
    ...(wanted.includes('segment') ? [segmentService(config)] : []),
    ...(wanted.includes('inpaint') ? [inpaintService(config)] : []),
  ];
  const workers: RunningWorkers = startService(services, deps);
  const api = await startApi(config, { logger });

  return {
    config,
    deps,
    api,
    redis,
    webhookSecret,
    keys,
    logs,
    client: (tenant) => new ApiClient(api.url, keys[tenant]),
    async waitFor(client, id, states = TERMINAL_STATES, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reel = await client.status(id);
        if (states.includes(reel.state)) return reel;
        if (Date.now() > deadline) throw new Error(`reel ${id} still ${reel.state} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    workersRunning: () => workers.workers.every((w) => w.isRunning()),
    async unfinishedJobs() {
      let n = 0;
      for (const q of QUEUES) {
        const c = await deps.queues[q].getJobCounts('waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'paused');
        n += Object.values(c).reduce((a, b) => a + b, 0);
      }
      return n;
    },
    async close() {
      await api.close();
      await workers.close(2_000);
      await closeDeps(deps);
      await redis.destroy();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that answers with the given statuses in turn (the last one repeats). */
export async function startHookReceiver(statuses: number[] = [200]): Promise<{ url: string; received: ReceivedHook[]; close(): Promise<void> }> {
  const received: ReceivedHook[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => new Promise((r) => server.close(() => r())) };
}
