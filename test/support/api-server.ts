import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { buildApp } from '../../services/api/src/app.js';
import type { App } from '../../services/api/src/deps.js';
import { loadConfig, type Config } from '../../packages/shared/src/config.js';
import { closeQueues, openQueues, type Queues } from '../../packages/shared/src/queues.js';
import { createObjectStore } from '../../packages/shared/src/storage/create-store.js';
import type { ObjectStore } from '../../packages/shared/src/storage/storage.js';
import { TestRedis } from './redis-server.js';

export interface TestApi {
  app: App;
  /** http://127.0.0.1:port */
  base: string;
  config: Config;
  redis: Redis;
  queues: Queues;
  store: ObjectStore;
  /** A request with tenant `key`'s API key (none with null); JSON bodies are sent as JSON. */
  call(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }, key?: string | null): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The API alone over real HTTP, against a private redis-server and the store STORAGE_URL names, with
 * one API key per tenant (`keys`: tenant -> key). No workers: reels stay queued.
 */
export async function startTestApi(opts: { keys: Record<string, string>; env: Record<string, string> }): Promise<TestApi> {
  const redisServer = await new TestRedis().start();
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  const config = loadConfig({
    REDIS_URL: redisServer.url,
    API_KEYS: Object.entries(opts.keys)
      .map(([tenant, key]) => `${tenant}:${sha256(key)}`)
      .join(','),
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const queues = openQueues(redis, config.QUEUE_PREFIX);
  const store = createObjectStore(config.STORAGE_URL);
  const app = await buildApp({ config, redis, store, queues });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const firstKey = Object.values(opts.keys)[0] ?? null;
  return {
    app,
    base,
    config,
    redis,
    queues,
    store,
    call(path, init = {}, key = firstKey) {
      const json = init.body !== undefined && !(init.body instanceof Uint8Array);
      return fetch(base + path, {
        method: init.method ?? 'GET',
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}), ...init.headers },
        ...(init.body !== undefined ? { body: json ? JSON.stringify(init.body) : (init.body as Uint8Array) } : {}),
      });
    },
    async close() {
      // fetch keeps its connections alive; the server would wait for them before closing.
      app.server.closeAllConnections();
      await app.close();
      await closeQueues(queues).catch(() => undefined);
      redis.disconnect();
      await redisServer.destroy();
    },
  };
}
