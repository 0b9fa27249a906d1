import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Queues } from '../queues.js';
import type { ObjectStore } from '../storage/storage.js';
import { purgeReel } from './purge-reel.js';
import { isTerminal } from './reel-record.js';
import type { ReelStore } from './reel-store.js';

/** How often a pipeline worker looks for reels past their retention; one worker per interval does it. */
export const RETENTION_SWEEP_MS = 60 * 60 * 1000;

export interface RetentionDeps {
  redis: Redis;
  prefix: string;
  store: ObjectStore;
  reels: ReelStore;
  queues: Queues;
  logger: Logger;
}

/** Days after a reel finishes: its data is purged after `data`, its record forgotten after `records`; 0 = never. */
export interface RetentionDays {
  data: number;
  records: number;
}

/**
 * Every finished reel past a retention: its data purged (purge-reel.ts: the store and its finished jobs),
 * and past the record retention its record forgotten too, so nothing of it is left in Redis or the store.
 * Reel ids begin with their creation time, and a reel finishes after it is created, so only the ids up to
 * the earlier cutoff are read. Returns how many reels it purged and forgot.
 */
export async function expireReels(deps: RetentionDeps, days: RetentionDays, now = Date.now()): Promise<{ purged: number; forgotten: number }> {
  const cutoff = (d: number) => (d > 0 ? now - d * 86_400_000 : -Infinity);
  const dataCutoff = cutoff(days.data);
  const recordCutoff = cutoff(days.records);
  const earliest = Math.max(dataCutoff, recordCutoff);
  const done = { purged: 0, forgotten: 0 };
  if (earliest === -Infinity) return done;
  const before = `(${Math.floor(earliest).toString(36).padStart(9, '0')}`;
  let cursor = '0';
  do {
    const [next, indexes] = await deps.redis.scan(cursor, 'MATCH', `${deps.prefix}:tenant:*:reels`, 'COUNT', 100);
    cursor = next;
    for (const index of indexes) {
      for (const id of await deps.redis.zrangebylex(index, '-', before)) {
        const rec = await deps.reels.get(id);
        if (!rec || !isTerminal(rec.state) || !rec.finishedAt) continue;
        const finished = Date.parse(rec.finishedAt);
        const forget = finished <= recordCutoff;
        if (!rec.purgedAt && (forget || finished <= dataCutoff)) {
          await purgeReel(deps, rec);
          deps.logger.info({ reelId: id, finishedAt: rec.finishedAt }, 'reel purged: past its retention');
          done.purged++;
        }
        if (forget) {
          await deps.reels.forget(id, rec.tenantId);
          deps.logger.info({ reelId: id, finishedAt: rec.finishedAt }, 'reel record forgotten: past its record retention');
          done.forgotten++;
        }
      }
    }
  } while (cursor !== '0');
  return done;
}

/**
 * Runs expireReels every RETENTION_SWEEP_MS in this process, taking a Redis lock for the interval so that
 * one worker of many sweeps. Returns a stop function. Does nothing when both retentions are 0 (keep forever).
 */
export function startRetentionSweeps(deps: RetentionDeps, days: RetentionDays): () => void {
  if (days.data <= 0 && days.records <= 0) return () => undefined;
  const sweep = async () => {
    const won = await deps.redis.set(`${deps.prefix}:retention-sweep`, '1', 'PX', RETENTION_SWEEP_MS - 1000, 'NX');
    if (won !== 'OK') return;
    const done = await expireReels(deps, days);
    if (done.purged + done.forgotten > 0) deps.logger.info({ ...done, retentionDays: days }, 'retention sweep done');
  };
  const run = () => void sweep().catch((err: unknown) => deps.logger.warn({ err }, 'retention sweep failed; the next one retries'));
  run();
  const timer = setInterval(run, RETENTION_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
