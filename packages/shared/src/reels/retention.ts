import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/storage.js';
import { purgeReel } from './purge-reel.js';
import { isTerminal } from './reel-record.js';
import type { ReelStore } from './reel-store.js';

/** How often a pipeline worker looks for reels past their retention; one worker per interval does it. */
export const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/**
 * Purges (purge-reel.ts) every finished reel that finished more than `days` ago and is not purged yet.
 * Reel ids begin with their creation time, and a reel finishes after it is created, so only the ids up
 * to the cutoff are read. Returns how many reels it purged.
 */
export async function purgeExpiredReels(deps: { redis: Redis; prefix: string; store: ObjectStore; reels: ReelStore; logger: Logger }, days: number, now = Date.now()): Promise<number> {
  const cutoff = now - days * 86_400_000;
  const before = `(${cutoff.toString(36).padStart(9, '0')}`;
  let purged = 0;
  let cursor = '0';
  do {
    const [next, indexes] = await deps.redis.scan(cursor, 'MATCH', `${deps.prefix}:tenant:*:reels`, 'COUNT', 100);
    cursor = next;
    for (const index of indexes) {
      for (const id of await deps.redis.zrangebylex(index, '-', before)) {
        const rec = await deps.reels.get(id);
        if (!rec || rec.purgedAt || !isTerminal(rec.state) || !rec.finishedAt || Date.parse(rec.finishedAt) > cutoff) continue;
        await purgeReel(deps.store, deps.reels, rec);
        deps.logger.info({ reelId: id, finishedAt: rec.finishedAt }, 'reel purged: past its retention');
        purged++;
      }
    }
  } while (cursor !== '0');
  return purged;
}

/**
 * Runs purgeExpiredReels every RETENTION_SWEEP_MS in this process, taking a Redis lock for the interval so
 * that one worker of many sweeps. Returns a stop function. Does nothing when `days` is 0 (keep forever).
 */
export function startRetentionSweeps(deps: Parameters<typeof purgeExpiredReels>[0], days: number): () => void {
  if (days <= 0) return () => undefined;
  const sweep = async () => {
    const won = await deps.redis.set(`${deps.prefix}:retention-sweep`, '1', 'PX', RETENTION_SWEEP_MS - 1000, 'NX');
    if (won !== 'OK') return;
    const purged = await purgeExpiredReels(deps, days);
    if (purged > 0) deps.logger.info({ purged, retentionDays: days }, 'retention sweep done');
  };
  const run = () => void sweep().catch((err: unknown) => deps.logger.warn({ err }, 'retention sweep failed; the next one retries'));
  run();
  const timer = setInterval(run, RETENTION_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
