/**
 * GET /v1/reels/:id/events over real HTTP against a private redis-server and real BullMQ queues, and the
 * reel.progress webhooks, to a local node:http receiver. Reels are driven through ReelStore's own methods,
 * as the workers drive them. Needs redis-server on the PATH.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '@reelrestore/shared/config';
import type { Shot } from '@reelrestore/shared/frames/plan';
import { newReelId } from '@reelrestore/shared/ids';
import { jobIds } from '@reelrestore/shared/jobs';
import { createLogger } from '@reelrestore/shared/logger';
import { closeQueues, defaultJobOptions, enqueue, openQueues, type Queues } from '@reelrestore/shared/queues';
import type { ReelRecord } from '@reelrestore/shared/reels/reel-record';
import { ReelStore } from '@reelrestore/shared/reels/reel-store';
import { LocalStore } from '@reelrestore/shared/storage/local-store';
import { notifyReelProgress } from '@reelrestore/shared/webhooks/notify-reel-progress';
import { TestRedis } from '../../../test/support/redis-server.js';
import { buildApp } from './app.js';
import type { App } from './deps.js';
import { reelProgressEvent, reelStateEvent } from './routes/reels/schemas.js';

const KEY_A = 'rr_test_key_tenant_a';
const KEY_B = 'rr_test_key_tenant_b';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PREFIX = 'eventstest';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const MEDIA: NonNullable<ReelRecord['media']> = { width: 64, height: 48, frameCount: 80, fps: 24, codec: 'ffv1', pixFmt: 'rgb24', sourceBits: 8, channels: 3 };
const SHOTS: Shot[] = [
  { index: 0, start: 0, end: 48 },
  { index: 1, start: 48, end: 80 },
];

let dir: string;
let redisServer: TestRedis;
let redis: Redis;
let workerRedis: Redis;
let queues: Queues;
let reels: ReelStore;
let config: Config;
let app: App;
let base: string;
let receiver: Server;
let receiverUrl: string;
const received = new Map<string, { at: number; headers: IncomingHttpHeaders; body: string }[]>();
const log = createLogger('reel-events-test', 'silent');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rr-events-'));
  redisServer = await new TestRedis().start();
  config = loadConfig({
    REDIS_URL: redisServer.url,
    QUEUE_PREFIX: PREFIX,
    STORAGE_URL: `file://${join(dir, 'store')}`,
    API_KEYS: `tenanta:${sha256(KEY_A)},tenantb:${sha256(KEY_B)}`,
    WEBHOOK_SECRETS: `tenanta:${SECRET}`,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'silent',
  });
  redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  queues = openQueues(redis, PREFIX);
  reels = new ReelStore(redis, PREFIX);
  app = await buildApp({ config, redis, store: new LocalStore(join(dir, 'store')), queues });
  base = await app.listen({ port: 0, host: '127.0.0.1' });

  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      received.set(path, [...(received.get(path) ?? []), { at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }]);
      res.writeHead(path === '/broken' ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (app) {
    // undici sometimes opens a spare connection that never sends a request; node counts it as active
    // (headersTimeout guards it), so close would wait a minute for it.
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
  }
  if (queues) await closeQueues(queues);
  redis?.disconnect();
  workerRedis?.disconnect();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
  await redisServer?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A reel as the API leaves it: its record, queued, and its probe job waiting. */
async function queuedReel(opts: { tenantId?: string; callbackPath?: string } = {}): Promise<string> {
  const id = newReelId();
  await reels.create({
    id,
    tenantId: opts.tenantId ?? 'tenanta',
    source: { type: 'video', key: `reels/${id}/source/source.mkv`, fileName: 'clip.mkv', size: 1 },
    options: { chunkFrames: 32, outputFormat: 'ffv1' },
    callbackUrl: opts.callbackPath ? receiverUrl + opts.callbackPath : undefined,
  });
  await enqueue(queues, 'probe', jobIds.probe(id), { reelId: id }, defaultJobOptions(1));
  return id;
}

/** A reel the probe worker has planned and the segment workers have started on. */
async function segmentingReel(callbackPath: string): Promise<string> {
  const id = await queuedReel({ callbackPath });
  await reels.transition(id, 'probing', { from: ['queued', 'probing'] });
  await reels.setPlan(id, { media: MEDIA, shots: SHOTS, chunks: 3 });
  await reels.transition(id, 'segmenting', { from: ['probing'] });
  await reels.markWorkStarted(id, Date.now());
  return id;
}

// Event payloads are untyped JSON; the assertions check their shape.
interface SseEvent {
  id: string | null;
  event: string;
  data: any;
}

interface EventStream {
  res: Response;
  events: SseEvent[];
  comments: string[];
  ended: boolean;
  /** Resolves when the server ends the stream (or the client aborts it). */
  done: Promise<void>;
  abort(): void;
}

/** An EventSource-like reader over fetch, which keeps every event and comment. */
async function openEvents(id: string, opts: { key?: string; lastEventId?: string } = {}): Promise<EventStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${opts.key ?? KEY_A}`, accept: 'text/event-stream' };
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  const res = await fetch(`${base}/v1/reels/${id}/events`, { headers, signal: controller.signal });
  const stream: EventStream = { res, events: [], comments: [], ended: false, done: Promise.resolve(), abort: () => controller.abort() };
  const parse = (block: string) => {
    const event: SseEvent = { id: null, event: 'message', data: undefined };
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) stream.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) event.id = line.slice(4);
      else if (line.startsWith('event: ')) event.event = line.slice(7);
      else if (line.startsWith('data: ')) {
        event.data = JSON.parse(line.slice(6));
        isEvent = true;
      }
    }
    if (isEvent) stream.events.push(event);
  };
  stream.done = (async () => {
    if (!res.ok || !res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by the test
    }
    stream.ended = true;
  })();
  return stream;
}

async function until<T>(probe: () => T | null | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const progressEvents = (s: EventStream) => s.events.filter((e) => e.event === 'progress').map((e) => e.data);
const lastProgress = (s: EventStream) => progressEvents(s).at(-1);
const statesOf = (s: EventStream) => s.events.filter((e) => e.event === 'state').map((e) => e.data.state);
const untilProgress = (s: EventStream, what: string, test: (p: any) => boolean) => until(() => (lastProgress(s) && test(lastProgress(s)) ? lastProgress(s) : null), what);
const untilState = (s: EventStream, state: string) => until(() => statesOf(s).at(-1) === state, `state ${state}`);
const percentOf = (frames: number, total: number) => Math.floor((frames / total) * 100);
// Response bodies are untyped JSON; the assertions check their shape.
const json = (res: Response): Promise<any> => res.json();

describe('GET /v1/reels/:id/events', () => {
  it('streams a reel from queued to completed: every state, its place in line, rising progress per stage and shot, an ETA; then ends', async () => {
    const ahead = await queuedReel();
    const id = await queuedReel();
    const s = await openEvents(id);
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.res.headers.get('cache-control')).toMatch(/no-cache/);

    // Queued behind another reel, then first in line, then taken by a probe worker.
    await untilProgress(s, 'second in line', (p) => p.queuePosition === 2);
    expect(s.events[0]).toMatchObject({ event: 'state', data: { id, state: 'queued' } });
    const probeWorker = new Worker('probe', null, { connection: workerRedis, prefix: PREFIX, autorun: false });
    expect((await probeWorker.getNextJob('token-1'))?.id).toBe(jobIds.probe(ahead));
    await untilProgress(s, 'first in line', (p) => p.queuePosition === 1);
    expect((await probeWorker.getNextJob('token-2'))?.id).toBe(jobIds.probe(id));
    await untilProgress(s, 'out of the wait list', (p) => p.queuePosition === null);
    await probeWorker.close(true);

    // The probe worker plans the reel.
    await reels.transition(id, 'probing', { from: ['queued', 'probing'] });
    await untilState(s, 'probing');
    await reels.setPlan(id, { media: MEDIA, shots: SHOTS, chunks: 3 });
    const planned = await untilProgress(s, 'the plan', (p) => p.framesTotal === MEDIA.frameCount);
    expect(planned.shots.map((x: any) => [x.index, x.start, x.end])).toEqual(SHOTS.map((x) => [x.index, x.start, x.end]));
    expect(planned.etaSeconds).toBeNull();

    // Segment workers: a chunk of shot 0.
    await reels.transition(id, 'segmenting', { from: ['probing'] });
    await reels.markWorkStarted(id, Date.now());
    await untilState(s, 'segmenting');
    await reels.addProgress(id, 'segment', { shot: 0, chunk: 0 }, 32, 40, 120);
    const first = await untilProgress(s, 'a segmented chunk', (p) => p.segment.frames === 32);
    expect(first.segment.percent).toBe(percentOf(32, MEDIA.frameCount));
    expect(first.inpaint).toEqual({ frames: 0, percent: 0 });
    expect(first.shots).toEqual([expect.objectContaining({ index: 0, segment: { frames: 32, percent: percentOf(32, 48) } })]);
    expect(first.etaSeconds).toBeGreaterThan(0);

    // The stage starts over (a retried stage resets its counters): the record's percent drops, the stream's does not.
    await reels.resetProgress(id);
    await reels.addProgress(id, 'segment', { shot: 0, chunk: 0 }, 16, 20);
    const rerun = await untilProgress(s, 'the rerun chunk', (p) => p.segment.frames === 16);
    expect((await reels.get(id))?.progress.percent).toBeLessThan(first.percent);
    expect(rerun.percent).toBe(first.percent);

    // A client reconnecting with its Last-Event-ID is not told the state again, nor a lower percent.
    const again = await openEvents(id, { lastEventId: s.events.at(-1)!.id! });
    const resumed = await until(() => again.events[0], 'the reconnected stream');
    expect(resumed.event).toBe('progress');
    expect(resumed.data.percent).toBe(first.percent);

    await reels.addProgress(id, 'segment', { shot: 0, chunk: 1 }, 32, 40);
    const shot0 = await untilProgress(s, 'shot 0 segmented', (p) => p.segment.frames === 48);
    expect(shot0.shots).toEqual([expect.objectContaining({ index: 0, segment: { frames: 48, percent: 100 } })]);
    // The same chunk run again (its completion was lost with Redis, or its worker died after counting) counts once.
    await reels.addProgress(id, 'segment', { shot: 0, chunk: 1 }, 32, 40);
    expect((await reels.get(id))?.progress.segmented).toBe(48);
    await reels.addProgress(id, 'segment', { shot: 1, chunk: 0 }, 32, 40);
    const shot1 = await untilProgress(s, 'shot 1 segmented', (p) => p.segment.frames === MEDIA.frameCount);
    // Only the shot that moved.
    expect(shot1.shots).toEqual([expect.objectContaining({ index: 1, segment: { frames: 32, percent: 100 }, inpaint: { frames: 0, percent: 0 } })]);
    expect(shot1.segment.percent).toBe(100);

    // Inpaint workers, then stitch.
    await reels.transition(id, 'inpainting', { from: ['segmenting'] });
    await untilState(s, 'inpainting');
    await reels.addProgress(id, 'inpaint', { shot: 0, chunk: 0 }, 48, 60);
    await reels.addProgress(id, 'inpaint', { shot: 1, chunk: 0 }, 32, 60);
    const inpainted = await untilProgress(s, 'all inpainted', (p) => p.inpaint.frames === MEDIA.frameCount);
    expect(inpainted.inpaint.percent).toBe(100);
    await reels.transition(id, 'stitching', { from: ['segmenting', 'inpainting', 'stitching'] });
    await untilState(s, 'stitching');
    await reels.transition(id, 'completed', { from: ['stitching'] });

    await Promise.race([Promise.all([s.done, again.done]), sleep(5_000)]);
    expect(s.ended).toBe(true);
    expect(again.ended).toBe(true);
    expect(statesOf(s)).toEqual(['queued', 'probing', 'segmenting', 'inpainting', 'stitching', 'completed']);
    expect(statesOf(again)).toEqual(['inpainting', 'stitching', 'completed']);
    for (const stream of [s, again]) {
      // The terminal state is the last event; the progress before it is complete.
      expect(stream.events.at(-1)).toMatchObject({ event: 'state', data: { id, state: 'completed' } });
      expect(stream.events.at(-2)).toMatchObject({ event: 'progress', data: { state: 'completed', percent: 100, etaSeconds: 0 } });
      const percents = progressEvents(stream).map((p) => p.percent);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      for (const key of ['segment', 'inpaint'] as const) {
        const stage = progressEvents(stream).map((p) => p[key].percent);
        expect(stage).toEqual([...stage].sort((a, b) => a - b));
      }
      const ids = stream.events.map((e) => e.id);
      expect(ids.every(Boolean)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of stream.events) (e.event === 'state' ? reelStateEvent : reelProgressEvent).strict().parse(e.data);
    }
    expect(s.comments).toEqual([]); // no heartbeat needed in so short a stream

    // EventSource reconnects after the stream ends: with the terminal event's id it is told there is no more.
    const after = await fetch(`${base}/v1/reels/${id}/events`, { headers: { authorization: `Bearer ${KEY_A}`, 'last-event-id': s.events.at(-1)!.id! } });
    expect(after.status).toBe(204);
    // A new client of a finished reel gets its final progress and state, and the stream ends.
    const late = await openEvents(id);
    await Promise.race([late.done, sleep(3_000)]);
    expect(late.ended).toBe(true);
    expect(late.events.map((e) => [e.event, e.data.state])).toEqual([
      ['progress', 'completed'],
      ['state', 'completed'],
    ]);
  });

  it("reports a state shorter than a poll in its place, and ends with a failed reel's reason", async () => {
    const id = await queuedReel();
    const s = await openEvents(id);
    await untilState(s, 'queued');
    // Probed and planned faster than the stream polls.
    await reels.transition(id, 'probing', { from: ['queued', 'probing'] });
    await reels.setPlan(id, { media: MEDIA, shots: SHOTS, chunks: 3 });
    await reels.transition(id, 'segmenting', { from: ['probing'] });
    await untilState(s, 'segmenting');
    await reels.addProgress(id, 'segment', { shot: 1, chunk: 0 }, 32, 40);
    await untilProgress(s, 'a segmented chunk', (p) => p.segment.frames === 32);
    const reason = 'segment: frame 50 could not be decoded';
    await reels.transition(id, 'failed', { error: reason });

    await Promise.race([s.done, sleep(3_000)]);
    expect(s.ended).toBe(true);
    expect(statesOf(s)).toEqual(['queued', 'probing', 'segmenting', 'failed']);
    expect(s.events.at(-1)).toMatchObject({ event: 'state', data: { id, state: 'failed', error: reason } });
    const last = s.events.at(-2)?.data;
    expect(last).toMatchObject({ state: 'failed', etaSeconds: null, segment: { frames: 32 } });
    expect(last.percent).toBeLessThan(100);
  });

  it("answers 404 for another tenant's reel and for no reel, as the other reel routes do", async () => {
    const theirs = await queuedReel({ tenantId: 'tenantb' });
    for (const path of [`/v1/reels/${theirs}/events`, `/v1/reels/${newReelId()}/events`, '/v1/reels/nope/events']) {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${KEY_A}` } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await json(res)).type).toBe('urn:reelrestore:problem:not-found');
    }
    const own = await openEvents(theirs, { key: KEY_B });
    expect(own.res.status).toBe(200);
    await until(() => own.events.length > 0, 'their own stream');
    own.abort();
    expect((await fetch(`${base}/v1/reels/${theirs}/events`)).status).toBe(401);
  });

  it('is in the OpenAPI document as text/event-stream', async () => {
    const doc = await json(await fetch(`${base}/docs/json`));
    const op = doc.paths['/v1/reels/{id}/events'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.parameters.map((p: any) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:id', 'header:last-event-id']));
  });

  it('sends a heartbeat comment on a quiet stream, and stops reading the reel once the client goes away', async () => {
    const id = await queuedReel();
    const reads = async () => Number(/cmdstat_hmget:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const s = await openEvents(id);
    await until(() => s.events.length > 0, 'the first events');
    const polling = await reads();
    await until(() => s.comments.includes('heartbeat'), 'a heartbeat', 17_000);
    expect(s.ended).toBe(false);
    // Nothing changed, so no event, but the reel was read all along.
    expect(s.events.map((e) => e.event)).toEqual(['state', 'progress']);
    expect(await reads()).toBeGreaterThan(polling);

    s.abort();
    await sleep(300);
    const stopped = await reads();
    await sleep(1_000);
    expect(await reads()).toBe(stopped);
  });
});

describe('reel.progress webhooks', () => {
  it('go out at most once per PROGRESS_WEBHOOK_SECONDS however many workers report, signed, with the progress event as data', async () => {
    const hooks = { reels, config: { ...config, PROGRESS_WEBHOOK_SECONDS: 1 }, log };
    const id = await segmentingReel('/progress');

    // Four segment workers each finish a chunk every 100 ms for 2.5 s, as segment-chunk.ts reports them.
    const outcomes: string[] = [];
    let chunk = 0;
    const started = Date.now();
    while (Date.now() - started < 2_500) {
      await Promise.all(
        [0, 1, 2, 3].map(async (worker) => {
          await reels.addProgress(id, 'segment', { shot: worker % 2, chunk: chunk++ }, 1, 5);
          outcomes.push(await notifyReelProgress(hooks, id));
        }),
      );
      await sleep(100);
    }
    const elapsed = Date.now() - started;

    const got = received.get('/progress') ?? [];
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000));
    for (let i = 1; i < got.length; i++) expect(got[i]!.at - got[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(outcomes.filter((o) => o === 'delivered')).toHaveLength(got.length);
    expect(outcomes.filter((o) => o !== 'delivered').every((o) => o === 'throttled')).toBe(true);

    const verifier = new Webhook(SECRET);
    const bodies = got.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as any);
    expect(() => verifier.verify(got[0]!.body.replace('"percent":', '"percent":1'), got[0]!.headers as Record<string, string>)).toThrow();
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(got.length);
    for (const body of bodies) {
      expect(body.type).toBe('reel.progress');
      reelProgressEvent.strict().parse(body.data);
      expect(body.data).toMatchObject({ id, state: 'segmenting', framesTotal: MEDIA.frameCount });
      expect(body.data.shots.map((x: any) => x.index)).toEqual(SHOTS.map((x) => x.index));
    }
    const segmented = bodies.map((b) => b.data.segment.frames);
    expect(segmented).toEqual([...segmented].sort((a, b) => a - b));
    const attempts = (await reels.get(id))?.webhooks.filter((w) => w.type === 'reel.progress') ?? [];
    expect(attempts.map((w) => [w.delivered, w.status])).toEqual(got.map(() => [true, 204]));

    // The same object as the stream's progress event (the first lists every shot); only the ETA moves with time.
    const s = await openEvents(id);
    const streamed = await until(() => lastProgress(s), 'a progress event');
    s.abort();
    await sleep(1_100);
    expect(await notifyReelProgress(hooks, id)).toBe('delivered');
    const latest = verifier.verify(received.get('/progress')!.at(-1)!.body, received.get('/progress')!.at(-1)!.headers as Record<string, string>) as any;
    expect({ ...latest.data, etaSeconds: 0 }).toEqual({ ...streamed, etaSeconds: 0 });
    expect(latest.data.etaSeconds).toBeGreaterThan(0);
  });

  it('are off by default, and a failing receiver is recorded without the call failing', async () => {
    const id = await segmentingReel('/broken');
    await reels.addProgress(id, 'segment', { shot: 0, chunk: 0 }, 8, 5);
    expect(await notifyReelProgress({ reels, config, log }, id)).toBe('off');
    expect(received.get('/broken')).toBeUndefined();

    const hooks = { reels, config: { ...config, PROGRESS_WEBHOOK_SECONDS: 1 }, log };
    expect(await notifyReelProgress(hooks, id)).toBe('failed');
    expect(received.get('/broken')).toHaveLength(1);
    expect((await reels.get(id))?.webhooks).toEqual([expect.objectContaining({ type: 'reel.progress', delivered: false, status: 500 })]);
  });
});
