import type { Redis } from 'ioredis';
import type { Shot } from '../frames/plan.js';
import type { EditLogEntry, ReviewState } from '../review/edits.js';
import {
  isTerminal,
  TERMINAL_STATES,
  type ReelOutputs,
  type ReelRecord,
  type ReelSource,
  type ReelState,
  type Stage,
  type WebhookAttempt,
} from './reel-record.js';

/**
 * The reel's record in Redis: one hash per reel (plain fields, JSON fields, atomic counters),
 * a per-tenant index for listing, and idempotency keys. Status endpoints read this, not the event stream.
 */
export class ReelStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'rr',
  ) {}

  private key = (id: string) => `${this.prefix}:reel:${id}`;
  private hooksKey = (id: string) => `${this.prefix}:reel:${id}:webhooks`;
  private editsKey = (id: string) => `${this.prefix}:reel:${id}:edits`;
  private tenantKey = (tenant: string) => `${this.prefix}:tenant:${tenant}:reels`;
  private idemKey = (tenant: string, key: string) => `${this.prefix}:idem:${tenant}:${key}`;

  async create(rec: {
    id: string;
    tenantId: string;
    source: ReelSource;
    options: ReelRecord['options'];
    callbackUrl?: string | undefined;
  }): Promise<void> {
    const now = new Date().toISOString();
    const fields: Record<string, string> = {
      tenantId: rec.tenantId,
      state: 'queued',
      createdAt: now,
      updatedAt: now,
      source: JSON.stringify(rec.source),
      options: JSON.stringify(rec.options),
    };
    if (rec.callbackUrl) fields.callbackUrl = rec.callbackUrl;
    await this.redis.multi().hset(this.key(rec.id), fields).zadd(this.tenantKey(rec.tenantId), 0, rec.id).exec();
  }

  /**
   * Reserves an Idempotency-Key for a tenant, bound to the request's `fingerprint` (what it asked for).
   * Returns the reel id and fingerprint already bound to it, or null when this call won the key (and must
   * create `reelId`). Keys live for 24 hours.
   */
  async claimIdempotencyKey(tenantId: string, key: string, reelId: string, fingerprint: string): Promise<{ reelId: string; fingerprint: string } | null> {
    const k = this.idemKey(tenantId, key);
    const ok = await this.redis.set(k, `${reelId} ${fingerprint}`, 'EX', 86_400, 'NX');
    if (ok === 'OK') return null;
    const [bound = '', boundPrint = ''] = ((await this.redis.get(k)) ?? '').split(' ');
    return { reelId: bound, fingerprint: boundPrint };
  }

  async releaseIdempotencyKey(tenantId: string, key: string): Promise<void> {
    await this.redis.del(this.idemKey(tenantId, key));
  }

  async exists(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(id))) === 1;
  }

  async getState(id: string): Promise<ReelState | null> {
    return (await this.redis.hget(this.key(id), 'state')) as ReelState | null;
  }

  async getTenant(id: string): Promise<string | null> {
    return this.redis.hget(this.key(id), 'tenantId');
  }

  /**
   * Moves the reel to `to` unless it is already terminal (or, with `from`, unless it is in one of those
   * states). Atomic, so a cancel racing a completion has exactly one winner. Returns whether it moved.
   */
  async transition(id: string, to: ReelState, opts: { from?: ReelState[]; error?: string } = {}): Promise<boolean> {
    const now = new Date().toISOString();
    const moved = await this.redis.eval(
      `local cur = redis.call('HGET', KEYS[1], 'state')
       if not cur then return 0 end
       for i = 1, #ARGV - 4 do if cur == ARGV[4 + i] then return 0 end end
       local from = cjson.decode(ARGV[3])
       if #from > 0 then
         local ok = false
         for _, s in ipairs(from) do if s == cur then ok = true end end
         if not ok then return 0 end
       end
       redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updatedAt', ARGV[2])
       if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
       return 1`,
      1,
      this.key(id),
      to,
      now,
      JSON.stringify(opts.from ?? []),
      opts.error ?? '',
      ...TERMINAL_STATES,
    );
    if (moved === 1 && isTerminal(to)) await this.redis.hset(this.key(id), 'finishedAt', now);
    return moved === 1;
  }

  async setPlan(id: string, plan: { media: NonNullable<ReelRecord['media']>; shots: Shot[]; chunks: number }): Promise<void> {
    await this.redis.hset(this.key(id), {
      media: JSON.stringify(plan.media),
      shots: JSON.stringify(plan.shots),
      framesTotal: String(plan.media.frameCount),
      chunksTotal: String(plan.chunks),
      updatedAt: new Date().toISOString(),
    });
  }

  /**
   * Progress counters are separate hash fields so concurrent workers can add atomically. Each chunk counts
   * once per stage: a chunk that counted and then lost its completion (Redis went away before BullMQ
   * recorded it, or the worker died) runs again, and its second count is dropped.
   */
  async addProgress(id: string, stage: 'segment' | 'inpaint', at: { shot: number; chunk: number }, frames: number, ms: number, damagedPixels = 0) {
    const field = stage === 'segment' ? 'seg' : 'inp';
    await this.redis.eval(
      `if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return 0 end
       redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[4])
       redis.call('HINCRBY', KEYS[1], ARGV[2] .. ':s' .. ARGV[3], ARGV[4])
       redis.call('HINCRBY', KEYS[1], 'ms:' .. ARGV[6], ARGV[5])
       redis.call('HINCRBY', KEYS[1], 'ms:' .. ARGV[6] .. ':s' .. ARGV[3], ARGV[5])
       if tonumber(ARGV[7]) > 0 then
         redis.call('HINCRBY', KEYS[1], 'damagedPixels', ARGV[7])
         redis.call('HINCRBY', KEYS[1], 'dmg:s' .. ARGV[3], ARGV[7])
       end
       return 1`,
      1,
      this.key(id),
      `counted:${field}:s${at.shot}c${at.chunk}`,
      field,
      at.shot,
      frames,
      Math.round(ms),
      stage,
      damagedPixels,
    );
  }

  /**
   * When the reel's frame work began: the start of its first segment chunk, kept once (HSETNX). The ETA
   * of progress events and webhooks is the rate since then.
   */
  async markWorkStarted(id: string, atMs: number): Promise<void> {
    await this.redis.hsetnx(this.key(id), 'workStartedAt', String(atMs));
  }

  async getWorkStartedAt(id: string): Promise<number | null> {
    const at = await this.redis.hget(this.key(id), 'workStartedAt');
    return at ? Number(at) : null;
  }

  /**
   * The state and a stamp that changes whenever the state or any progress counter does, in one small read
   * (addProgress moves a shot's counter and the total in one MULTI; setPlan sets the shots with framesTotal).
   * A listener polls this and reads the whole record only when the stamp changes. Null for no reel.
   */
  async progressStamp(id: string): Promise<{ state: ReelState; stamp: string } | null> {
    const [state, total, seg, inp] = await this.redis.hmget(this.key(id), 'state', 'framesTotal', 'seg', 'inp');
    if (!state) return null;
    return { state: state as ReelState, stamp: `${state}|${total ?? ''}|${seg ?? ''}|${inp ?? ''}` };
  }

  /**
   * Takes the reel's progress-webhook slot for `seconds` (SET NX EX): true for one caller per interval,
   * however many workers ask at once.
   */
  async claimProgressWebhook(id: string, seconds: number): Promise<boolean> {
    return (await this.redis.set(`${this.key(id)}:progress-webhook`, '1', 'EX', seconds, 'NX')) === 'OK';
  }

  /** Per-shot totals for report.json. */
  async shotStats(id: string, shot: number): Promise<{ damagedPixels: number; segmentMs: number; inpaintMs: number }> {
    const [dmg, seg, inp] = await this.redis.hmget(this.key(id), `dmg:s${shot}`, `ms:segment:s${shot}`, `ms:inpaint:s${shot}`);
    return { damagedPixels: Number(dmg ?? 0), segmentMs: Number(seg ?? 0), inpaintMs: Number(inp ?? 0) };
  }

  async addTiming(id: string, stage: Stage, ms: number): Promise<void> {
    await this.redis.hincrby(this.key(id), `ms:${stage}`, Math.round(ms));
  }

  /** A rerun of a whole stage starts its counters from zero, so retries never double-count. */
  async resetProgress(id: string): Promise<void> {
    const fields = await this.redis.hkeys(this.key(id));
    const drop = fields.filter((f) => /^((seg|inp|dmg|ms:segment|ms:inpaint|damagedPixels)(:s\d+)?|counted:.*)$/.test(f));
    if (drop.length) await this.redis.hdel(this.key(id), ...drop);
  }

  /** The reel's data is gone from the store (purge-reel.ts); the record stays, saying so. */
  async markPurged(id: string): Promise<string> {
    const at = new Date().toISOString();
    await this.redis.hset(this.key(id), 'purgedAt', at);
    return at;
  }

  /**
   * Reopens a completed reel for the next review revision, with its edits appended to the log, in one step:
   * only from `completed`, unpurged, and only if no other edit took `revision` first (then it returns false).
   * `nonce` is the review job's, so a job whose request never got here does nothing.
   */
  async reopenForReview(id: string, revision: number, nonce: string, entries: EditLogEntry[]): Promise<boolean> {
    const moved = await this.redis.eval(
      `local h = redis.call('HMGET', KEYS[1], 'state', 'purgedAt', 'revision')
       if h[1] ~= 'completed' or h[2] or tonumber(h[3] or '0') ~= tonumber(ARGV[1]) - 1 then return 0 end
       redis.call('HSET', KEYS[1], 'state', 'inpainting', 'revision', ARGV[1], 'reviewNonce', ARGV[2], 'updatedAt', ARGV[3])
       redis.call('HDEL', KEYS[1], 'finishedAt', 'error')
       for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
       return 1`,
      2,
      this.key(id),
      this.editsKey(id),
      String(revision),
      nonce,
      new Date().toISOString(),
      ...entries.map((e) => JSON.stringify(e)),
    );
    return moved === 1;
  }

  /** The revision the reel is at, the nonce of the edit request that made it, and the whole edit log. */
  async review(id: string): Promise<ReviewState & { nonce: string | null }> {
    const [[revision, nonce], edits] = await Promise.all([this.redis.hmget(this.key(id), 'revision', 'reviewNonce'), this.redis.lrange(this.editsKey(id), 0, -1)]);
    return { revision: Number(revision ?? 0), nonce: nonce ?? null, edits: edits.map((j) => JSON.parse(j) as EditLogEntry) };
  }

  /**
   * Forgets the reel: its record, webhook attempts, edit log and listing go from Redis (retention.ts,
   * RECORD_RETENTION_DAYS, after its data was purged). Its id answers 404 since.
   */
  async forget(id: string, tenantId: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.key(id), this.hooksKey(id), this.editsKey(id), `${this.key(id)}:progress-webhook`)
      .zrem(this.tenantKey(tenantId), id)
      .exec();
  }

  /** What the user should know about a reel that still completes (a gap in a sequence's numbering). */
  async setWarnings(id: string, warnings: string[]): Promise<void> {
    if (warnings.length) await this.redis.hset(this.key(id), 'warnings', JSON.stringify(warnings));
    else await this.redis.hdel(this.key(id), 'warnings');
  }

  /** Frames the source should hold and frames decoded from it (ReelRecord.expectedFrames, decodedFrames). */
  async setFrameCounts(id: string, counts: { expected: number; decoded: number }): Promise<void> {
    await this.redis.hset(this.key(id), 'expectedFrames', String(counts.expected), 'decodedFrames', String(counts.decoded));
  }

  /** Known damage masks were attached to the reel (benchmark material). */
  async markTruth(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'truth', '1');
  }

  async setOutputs(id: string, outputs: ReelOutputs): Promise<void> {
    await this.redis.hset(this.key(id), 'outputs', JSON.stringify(outputs));
  }

  async recordWebhookAttempt(id: string, attempt: WebhookAttempt): Promise<void> {
    await this.redis.rpush(this.hooksKey(id), JSON.stringify(attempt));
  }

  async get(id: string): Promise<ReelRecord | null> {
    const [h, hooks] = await Promise.all([this.redis.hgetall(this.key(id)), this.redis.lrange(this.hooksKey(id), 0, -1)]);
    if (!h.state || !h.tenantId) return null;
    const num = (f: string) => Number(h[f] ?? 0);
    const shots: Shot[] = h.shots ? JSON.parse(h.shots) : [];
    const framesTotal = num('framesTotal');
    const segmented = num('seg');
    const inpainted = num('inp');
    const state = h.state as ReelState;
    // Segment and inpaint are the per-frame work; stitching is the last slice.
    const percent =
      state === 'completed'
        ? 100
        : framesTotal > 0
          ? Math.min(99, Math.floor(((segmented + inpainted) / (2 * framesTotal)) * 95))
          : 0;
    const timings: ReelRecord['timings'] = {};
    for (const s of ['probe', 'segment', 'inpaint', 'stitch'] as const) if (h[`ms:${s}`]) timings[s] = num(`ms:${s}`);
    const rec: ReelRecord = {
      id,
      tenantId: h.tenantId,
      state,
      createdAt: h.createdAt ?? '',
      updatedAt: h.updatedAt ?? '',
      source: JSON.parse(h.source ?? '{}'),
      options: JSON.parse(h.options ?? '{}'),
      progress: { framesTotal, segmented, inpainted, percent },
      shots: shots.map((s) => ({ ...s, segmented: num(`seg:s${s.index}`), inpainted: num(`inp:s${s.index}`), damagedPixels: num(`dmg:s${s.index}`) })),
      timings,
      damagedPixels: num('damagedPixels'),
      webhooks: hooks.map((j) => JSON.parse(j) as WebhookAttempt),
    };
    if (h.finishedAt) rec.finishedAt = h.finishedAt;
    if (h.callbackUrl) rec.callbackUrl = h.callbackUrl;
    if (h.error) rec.error = h.error;
    if (h.media) rec.media = JSON.parse(h.media);
    if (h.revision) rec.revision = Number(h.revision);
    if (h.truth) rec.truth = true;
    if (h.warnings) rec.warnings = JSON.parse(h.warnings) as string[];
    if (h.expectedFrames !== undefined) rec.expectedFrames = Number(h.expectedFrames);
    if (h.decodedFrames !== undefined) rec.decodedFrames = Number(h.decodedFrames);
    if (h.purgedAt) rec.purgedAt = h.purgedAt;
    else if (h.outputs && state === 'completed') rec.outputs = JSON.parse(h.outputs);
    return rec;
  }

  /** A page of the tenant's reels, newest first; `cursor` is the last id of the previous page (ids sort by creation time), `nextCursor` only when another page holds any. */
  async list(tenantId: string, opts: { state?: ReelState; limit: number; cursor?: string }): Promise<{ reels: ReelRecord[]; nextCursor?: string }> {
    const reels: ReelRecord[] = [];
    let max = opts.cursor ? `(${opts.cursor}` : '+';
    for (;;) {
      const ids = await this.redis.zrevrangebylex(this.tenantKey(tenantId), max, '-', 'LIMIT', 0, 100);
      if (ids.length === 0) return { reels };
      for (const id of ids) {
        const r = await this.get(id);
        if (!r || (opts.state && r.state !== opts.state)) continue;
        // One more than asked for tells whether a next page exists, so the last page has no cursor.
        if (reels.length === opts.limit) return { reels, nextCursor: reels.at(-1)!.id };
        reels.push(r);
      }
      max = `(${ids.at(-1)}`;
    }
  }
}
