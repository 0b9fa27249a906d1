import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { PrivateRedis } from './redis-server.js';

describe('PrivateRedis', () => {
  const started: PrivateRedis[] = [];
  afterAll(async () => {
    for (const r of started) await r.destroy();
  });

  it('starts its own redis-server, and is not fooled by another one already on its port', async () => {
    const first = await new PrivateRedis().start();
    started.push(first);
    const c = new Redis(first.url, { maxRetriesPerRequest: 1 });
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
    // Another test file's Redis holding the port used to answer this one's readiness ping: two stacks
    // then shared one Redis and took each other's jobs.
    const second = new PrivateRedis({ port: first.port });
    started.push(second);
    // Whichever it sees first: the other server answering, or its own process exiting on the bind.
    await expect(second.start()).rejects.toThrow(new RegExp(`did not start on port ${first.port}: (another redis-server answers on it|it exited with code 1)`));
  });
});
