import type { Redis } from 'ioredis';

/**
 * Fairness between tenants: at most `cap` of one tenant's chunks run at once per stage, across every worker
 * process. A worker that takes a chunk over the cap puts it back for a moment (startWorkers), and the next
 * job in the queue, another tenant's, gets the worker. Slots are a sorted set per tenant and stage, scored by
 * when their holder last said it was alive; a holder that died stops refreshing and its slot lapses.
 */
export class TenantSlots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** A slot not refreshed for this long belongs to a dead worker. */
    private readonly staleMs = 30_000,
  ) {}

  private key = (tenant: string, stage: string) => `${this.prefix}:tenant:${tenant}:running:${stage}`;

  /** Takes a slot for `jobId` (or keeps the one it has); false when the tenant already runs `cap` chunks of this stage. */
  async claim(tenant: string, stage: string, jobId: string, cap: number): Promise<boolean> {
    const now = Date.now();
    const won = await this.redis.eval(
      `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
       if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
         redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
         redis.call('PEXPIRE', KEYS[1], ARGV[5])
         return 1
       end
       return 0`,
      1,
      this.key(tenant, stage),
      String(now - this.staleMs),
      String(now),
      jobId,
      String(cap),
      String(this.staleMs * 4),
    );
    return won === 1;
  }

  async refresh(tenant: string, stage: string, jobId: string): Promise<void> {
    await this.redis.zadd(this.key(tenant, stage), 'XX', Date.now(), jobId);
  }

  async release(tenant: string, stage: string, jobId: string): Promise<void> {
    await this.redis.zrem(this.key(tenant, stage), jobId);
  }
}
