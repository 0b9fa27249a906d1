import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRedis } from '../../../../test/support/redis-server.js';
import { newReelId } from '../ids.js';
import { createLogger } from '../logger.js';
import { reelKeys } from '../storage/keys.js';
import { LocalStore } from '../storage/local-store.js';
import { ReelStore } from './reel-store.js';
import { closeQueues, openQueues } from '../queues.js';
import { expireReels } from './retention.js';

const DAY = 86_400_000;
let server: TestRedis;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  server = await new TestRedis().start();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  dir = mkdtempSync(join(tmpdir(), 'rr-retention-'));
});
afterAll(async () => {
  redis?.disconnect();
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('retention', () => {
  it('purges the finished reels of every tenant once they are older than the retention, and nothing else', async () => {
    const store = new LocalStore(join(dir, 'store'));
    const reels = new ReelStore(redis, 'ret');
    const make = async (tenantId: string, end: 'completed' | 'failed' | null) => {
      const id = newReelId();
      await reels.create({ id, tenantId, source: { type: 'video', key: `${reelKeys(id).sourcePrefix}a.mkv`, fileName: 'a.mkv', size: 1 }, options: { chunkFrames: 8, outputFormat: 'ffv1' } });
      await store.put(reelKeys(id).mask(0), Buffer.from('mask'));
      if (end) await reels.transition(id, end);
      return id;
    };
    const done = await make('acme', 'completed');
    const failed = await make('other', 'failed');
    const running = await make('acme', null);
    const queues = openQueues(redis, 'ret');
    const deps = { redis, prefix: 'ret', store, reels, queues, logger: createLogger('test', 'silent') };
    const left = async (id: string) => {
      const keys: string[] = [];
      for await (const o of store.list(reelKeys(id).root)) keys.push(o.key);
      return keys.length;
    };

    // Within the retention: kept.
    expect(await expireReels(deps, { data: 1, records: 0 }, Date.now() + 0.5 * DAY)).toEqual({ purged: 0, forgotten: 0 });
    expect(await left(done)).toBe(1);

    expect(await expireReels(deps, { data: 1, records: 0 }, Date.now() + 2 * DAY)).toEqual({ purged: 2, forgotten: 0 });
    for (const id of [done, failed]) {
      expect(await left(id)).toBe(0);
      expect((await reels.get(id))?.purgedAt).toEqual(expect.any(String));
    }
    expect(await left(running)).toBe(1);
    expect((await reels.get(running))?.purgedAt).toBeUndefined();
    // Purged reels are not purged twice.
    expect(await expireReels(deps, { data: 1, records: 0 }, Date.now() + 2 * DAY)).toEqual({ purged: 0, forgotten: 0 });
    // Past the record retention the records go too; the running reel stays.
    expect(await expireReels(deps, { data: 1, records: 3 }, Date.now() + 4 * DAY)).toEqual({ purged: 0, forgotten: 2 });
    expect(await reels.get(done)).toBeNull();
    expect((await reels.list('acme', { limit: 10 })).reels.map((r) => r.id)).toEqual([running]);
    await closeQueues(queues);
  });
});
