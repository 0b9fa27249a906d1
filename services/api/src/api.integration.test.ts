/**
 * The API over real HTTP against a private redis-server, a local store in a temp folder and real BullMQ
 * queues. Needs redis-server, ffmpeg and tar on the PATH.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '@reelrestore/shared/config';
import { jobIds } from '@reelrestore/shared/jobs';
import { closeQueues, openQueues, type Queues } from '@reelrestore/shared/queues';
import { ReelStore } from '@reelrestore/shared/reels/reel-store';
import { reelKeys, tenantKeys } from '@reelrestore/shared/storage/keys';
import { LocalStore } from '@reelrestore/shared/storage/local-store';
import { TestRedis } from '../../../test/support/redis-server.js';
import { buildApp } from './app.js';
import type { App } from './deps.js';

const KEY_A = 'rr_test_key_tenant_a';
const KEY_B = 'rr_test_key_tenant_b';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const MAX_UPLOAD = 1_000_000;

let dir: string;
let redisServer: TestRedis;
let redis: Redis;
let queues: Queues;
let store: LocalStore;
let reels: ReelStore;
let env: Record<string, string>;
let config: Config;
let app: App;
let base: string;
let video: Buffer;
let framesTar: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rr-api-'));
  redisServer = await new TestRedis().start();

  const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=24', '-frames:v', '10', '-c:v', 'ffv1', join(dir, 'clip.mkv'));
  video = readFileSync(join(dir, 'clip.mkv'));
  // Frames in a folder, next to files the API must skip: a dotfile and a text file.
  mkdirSync(join(dir, 'seq', 'reel1'), { recursive: true });
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=24', '-frames:v', '3', join(dir, 'seq', 'reel1', 'frame_%04d.png'));
  writeFileSync(join(dir, 'seq', 'reel1', '.DS_Store'), 'junk');
  writeFileSync(join(dir, 'seq', 'reel1', 'notes.txt'), 'scanned 2024');
  execFileSync('tar', ['-cf', join(dir, 'frames.tar'), '-C', join(dir, 'seq'), 'reel1']);
  framesTar = readFileSync(join(dir, 'frames.tar'));

  env = {
    REDIS_URL: redisServer.url,
    QUEUE_PREFIX: 'apitest',
    STORAGE_URL: `file://${join(dir, 'store')}`,
    API_KEYS: `tenanta:${sha256(KEY_A)},tenantb:${sha256(KEY_B)}`,
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
    JOB_ATTEMPTS: '2',
    LOG_LEVEL: 'silent',
  };
  config = loadConfig(env);
  redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // the last test stops the server on purpose
  queues = openQueues(redis, config.QUEUE_PREFIX);
  store = new LocalStore(join(dir, 'store'));
  reels = new ReelStore(redis, config.QUEUE_PREFIX);
  app = await buildApp({ config, redis, store, queues, readinessTimeoutMs: 300 });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  if (queues) await closeQueues(queues).catch(() => undefined);
  redis?.disconnect();
  await redisServer?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function call(path: string, init: RequestInit = {}, key: string | null = KEY_A): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(base + path, { ...init, headers, redirect: 'manual' });
}

function upload(
  file: { data: Buffer; name: string; type: string } | null,
  opts: { before?: Record<string, string>; after?: Record<string, string>; headers?: Record<string, string>; key?: string } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(opts.before ?? {})) form.append(k, v);
  if (file) form.append('file', new Blob([file.data], { type: file.type }), file.name);
  for (const [k, v] of Object.entries(opts.after ?? {})) form.append(k, v);
  return call('/v1/reels', { method: 'POST', body: form, headers: opts.headers ?? {} }, opts.key ?? KEY_A);
}

function submitJson(body: unknown, key = KEY_A, headers: Record<string, string> = {}): Promise<Response> {
  return call('/v1/reels', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }, key);
}

const uploadVideo = (opts: Parameters<typeof upload>[1] = {}) => upload({ data: video, name: 'clip.mkv', type: 'video/x-matroska' }, opts);

async function storedKeys(prefix = 'reels/'): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

// Response bodies are untyped JSON; the assertions check their shape.
const json = (res: Response): Promise<any> => res.json();

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function makeTar(files: Record<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of Object.entries(files)) pack.entry({ name }, data);
  pack.finalize();
  return collect(pack as AsyncIterable<Buffer>);
}

/** What a rejected submission must leave behind: nothing. */
async function snapshot() {
  return {
    objects: (await storedKeys()).length,
    jobs: await queues.probe.getJobCountByTypes('waiting', 'delayed', 'prioritized'),
    reels: (await reels.list('tenanta', { limit: 1000 })).reels.length,
  };
}

describe('authentication', () => {
  it('answers 401 with WWW-Authenticate without a key or with a wrong one', async () => {
    const none = await call('/v1/reels', {}, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await call('/v1/reels', {}, 'not-a-key');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await json(wrong)).detail).toMatch(/not valid/);
  });
});

describe('uploads', () => {
  it('streams a video into the store, records it and queues exactly one probe job', async () => {
    const before = await queues.probe.getJobCountByTypes('waiting');
    const res = await uploadVideo();
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(body).toEqual({ id: expect.any(String), state: 'queued', statusUrl: `${base}/v1/reels/${body.id}` });
    expect(res.headers.get('location')).toBe(body.statusUrl);

    const rec = await json(await call(`/v1/reels/${body.id}`));
    expect(rec.state).toBe('queued');
    expect(rec.options).toEqual({ chunkFrames: config.CHUNK_FRAMES, outputFormat: 'ffv1' });
    expect(rec.source).toEqual({ type: 'video', key: reelKeys(body.id).sourceFile('source.mkv'), fileName: 'clip.mkv', size: video.length, sha256: sha256(video) });
    expect((await store.getBuffer(rec.source.key)).equals(video)).toBe(true);

    expect(await queues.probe.getJobCountByTypes('waiting')).toBe(before + 1);
    const job = await queues.probe.getJob(jobIds.probe(body.id));
    expect(job?.data).toEqual({ reelId: body.id });
    expect(job?.opts.attempts).toBe(2);
  });

  it('returns the same reel for a repeated Idempotency-Key, with one record and one job', async () => {
    const before = await snapshot();
    const headers = { 'idempotency-key': 'ingest-batch-7/reel-42' };
    const first = await uploadVideo({ headers });
    const second = await uploadVideo({ headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const [a, b] = [await json(first), await json(second)];
    expect(b.id).toBe(a.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const after = await snapshot();
    expect(after.reels).toBe(before.reels + 1);
    expect(after.jobs).toBe(before.jobs + 1);
    // Tenants have separate key spaces.
    const other = await uploadVideo({ headers, key: KEY_B });
    expect((await json(other)).id).not.toBe(a.id);
  });

  it('unpacks a tar of frames into source/frames/, skipping folders, dotfiles and other files', async () => {
    const res = await upload({ data: framesTar, name: 'reel1.tar', type: 'application/x-tar' }, { before: { chunkFrames: '8', outputFormat: 'prores4444' } });
    expect(res.status).toBe(202);
    const { id } = await json(res);
    const rec = await json(await call(`/v1/reels/${id}`));
    const prefix = `${reelKeys(id).sourcePrefix}frames/`;
    expect(rec.source).toEqual({ type: 'sequence', prefix, frames: 3, size: framesTar.length, sha256: sha256(framesTar) });
    expect(rec.options).toEqual({ chunkFrames: 8, outputFormat: 'prores4444' });
    expect(await storedKeys(prefix)).toEqual(['frame_0001.png', 'frame_0002.png', 'frame_0003.png'].map((n) => prefix + n));
    const original = readFileSync(join(dir, 'seq', 'reel1', 'frame_0002.png'));
    expect((await store.getBuffer(`${prefix}frame_0002.png`)).equals(original)).toBe(true);
  });

  it('accepts a tar made with `tar -C frames .`, whose entries are named ./frame_0001.png', async () => {
    const dotTar = join(dir, 'dot.tar');
    execFileSync('tar', ['-cf', dotTar, '-C', join(dir, 'seq', 'reel1'), '.']);
    expect(execFileSync('tar', ['-tf', dotTar], { encoding: 'utf8' })).toContain('./frame_0001.png');
    const res = await upload({ data: readFileSync(dotTar), name: 'dot.tar', type: 'application/x-tar' });
    expect(res.status).toBe(202);
    const prefix = `${reelKeys((await json(res)).id).sourcePrefix}frames/`;
    expect(await storedKeys(prefix)).toEqual(['frame_0001.png', 'frame_0002.png', 'frame_0003.png'].map((n) => prefix + n));
  });

  it('reads text fields sent after the file', async () => {
    const res = await uploadVideo({ after: { chunkFrames: '16' } });
    expect(res.status).toBe(202);
    const rec = await json(await call(`/v1/reels/${(await json(res)).id}`));
    expect(rec.options.chunkFrames).toBe(16);
  });

  it('answers 415 naming what it received for a text file, and keeps nothing', async () => {
    const before = await snapshot();
    const res = await upload({ data: Buffer.from('reel notes\n'.repeat(30_000)), name: 'notes.txt', type: 'text/plain' });
    expect(res.status).toBe(415);
    const { detail: message } = await json(res);
    expect(message).toContain("received text/plain 'notes.txt' (looks like text)");
    expect(message).toContain('expected a video file');
    expect(await snapshot()).toEqual(before);
  });

  it('answers 413 over MAX_UPLOAD_BYTES and deletes what was written', async () => {
    const before = await snapshot();
    const big = Buffer.alloc(MAX_UPLOAD * 2);
    Buffer.from([0x1a, 0x45, 0xdf, 0xa3]).copy(big); // a Matroska signature, so only the size is wrong
    const res = await upload({ data: big, name: 'big.mkv', type: 'video/x-matroska' });
    expect(res.status).toBe(413);
    expect((await json(res)).detail).toContain(String(MAX_UPLOAD));
    expect(await snapshot()).toEqual(before);
    // A tar cut off at the limit is also a 413, not a parse error.
    const bigTar = Buffer.concat([framesTar.subarray(0, 512), Buffer.alloc(MAX_UPLOAD * 2)]);
    expect((await upload({ data: bigTar, name: 'big.tar', type: 'application/x-tar' })).status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it('answers 413 at once to a declared 200 GB body, without 100 Continue and without reading it', async () => {
    const { status, continued } = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest(`${base}/v1/reels`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEY_A}`,
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(200 * 1024 ** 3),
          expect: '100-continue',
        },
      });
      req.on('continue', () => (continued = true));
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, continued });
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    expect(continued).toBe(false);
  });

  it('rejects bad form input with 4xx before storing anything', async () => {
    const before = await snapshot();
    expect((await upload(null, { before: { chunkFrames: '8' } })).status).toBe(400);
    expect((await upload({ data: Buffer.alloc(0), name: 'empty.mkv', type: 'video/x-matroska' })).status).toBe(422);
    const unknown = await upload({ data: video, name: 'clip.mkv', type: 'video/x-matroska' }, { before: { chunk_frames: '8' } });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).detail).toContain('chunk_frames');
    expect((await uploadVideo({ before: { chunkFrames: '1000' } })).status).toBe(400);
    expect((await uploadVideo({ before: { outputFormat: 'h264' } })).status).toBe(400);
    const loopback = await uploadVideo({ before: { callbackUrl: 'http://127.0.0.1:9/hook' } });
    expect(loopback.status).toBe(422);
    expect((await json(loopback)).detail).toMatch(/callbackUrl/);
    const noFrames = await makeTar({ 'readme.txt': Buffer.from('no frames here') });
    expect((await upload({ data: noFrames, name: 'empty.tar', type: 'application/x-tar' })).status).toBe(422);
    expect(await snapshot()).toEqual(before);
  });

  it('answers 4xx, not 5xx, for bodies that are not a well-formed upload', async () => {
    const before = await snapshot();
    const post = (contentType: string, body: string | Buffer) =>
      call('/v1/reels', { method: 'POST', body, headers: { 'content-type': contentType } });
    const raw = await post('video/x-matroska', video);
    expect(raw.status).toBe(415);
    expect((await json(raw)).detail).toContain('multipart/form-data');
    expect((await post('multipart/form-data', 'x')).status).toBe(400);
    const cutOff = `--b\r\ncontent-disposition: form-data; name="file"; filename="a.mkv"\r\n\r\n${video.toString('latin1')}`;
    const broken = await post('multipart/form-data; boundary=b', Buffer.from(cutOff, 'latin1'));
    expect(broken.status).toBe(400);
    expect((await post('application/json', '{"source":')).status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('rejects a tar that mixes frame formats with 422', async () => {
    const png = readFileSync(join(dir, 'seq', 'reel1', 'frame_0001.png'));
    const mixed = await makeTar({ 'a/0001.png': png, 'a/0002.dpx': Buffer.from('SDPX') });
    const res = await upload({ data: mixed, name: 'mixed.tar', type: 'application/x-tar' });
    expect(res.status).toBe(422);
    expect((await json(res)).detail).toMatch(/mixes frame formats/);
  });
});

describe("sources already in the tenant's store space", () => {
  const spaceA = tenantKeys('tenanta').sources;
  beforeAll(async () => {
    for (const space of [spaceA, tenantKeys('tenantb').sources]) await store.put(`${space}archive/reel-9.mkv`, video);
    for (const n of ['0001', '0002']) await store.put(`${spaceA}archive/scans/${n}.png`, readFileSync(join(dir, 'seq', 'reel1', `frame_${n}.png`)));
  });

  it('references a stored video by its key in the tenant’s sources, copying nothing', async () => {
    const res = await submitJson({ source: { key: 'archive/reel-9.mkv' }, options: { chunkFrames: 12 } });
    expect(res.status).toBe(202);
    const { id } = await json(res);
    const rec = await json(await call(`/v1/reels/${id}`));
    expect(rec.source).toEqual({ type: 'video', key: `${spaceA}archive/reel-9.mkv`, fileName: 'reel-9.mkv', size: video.length });
    expect(rec.options.chunkFrames).toBe(12);
    expect(await storedKeys(reelKeys(id).root)).toEqual([]);
    expect(await queues.probe.getJob(jobIds.probe(id))).toBeDefined();
  });

  it('references frames under a prefix', async () => {
    const res = await submitJson({ source: { prefix: 'archive/scans' } });
    expect(res.status).toBe(202);
    const rec = await json(await call(`/v1/reels/${(await json(res)).id}`));
    expect(rec.source).toEqual({ type: 'sequence', prefix: `${spaceA}archive/scans/`, frames: 2, size: expect.any(Number) });
  });

  it('answers 422 when an Idempotency-Key is reused for a different request, creating nothing', async () => {
    const headers = { 'idempotency-key': 'ingest-batch-8/reel-1' };
    const first = await submitJson({ source: { key: 'archive/reel-9.mkv' } }, KEY_A, headers);
    expect(first.status).toBe(202);
    expect((await submitJson({ source: { key: 'archive/reel-9.mkv' } }, KEY_A, headers)).status).toBe(202);
    const before = await snapshot();
    const other = await submitJson({ source: { key: 'archive/reel-9.mkv' }, options: { chunkFrames: 16 } }, KEY_A, headers);
    expect(other.status).toBe(422);
    const problem = await json(other);
    expect(problem.type).toBe('urn:reelrestore:problem:idempotency-key-reused');
    expect(problem.detail).toContain((await json(first)).id);
    expect(await snapshot()).toEqual(before);
  });

  it("answers 404 to a tenant naming another tenant's key or prefix, however it is spelt", async () => {
    const asB = (source: object) => submitJson({ source }, KEY_B);
    expect((await asB({ prefix: 'archive/scans' })).status).toBe(404);
    expect((await asB({ key: 'archive/scans/0001.png' })).status).toBe(404);
    expect((await asB({ key: `${spaceA}archive/reel-9.mkv` })).status).toBe(404);
    expect((await asB({ prefix: spaceA })).status).toBe(404);
    expect((await asB({ key: '../tenanta/sources/archive/reel-9.mkv' })).status).toBe(400);
    // Its own copy of the same name is its own.
    expect((await asB({ key: 'archive/reel-9.mkv' })).status).toBe(202);
  });

  it('purges a reel made from a staged source without touching the source', async () => {
    const { id } = await json(await submitJson({ source: { key: 'archive/reel-9.mkv' } }));
    await store.put(reelKeys(id).plan, Buffer.from('{}'));
    const res = await call(`/v1/reels/${id}?purge=true`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await storedKeys(reelKeys(id).root)).toEqual([]);
    expect(await store.head(`${spaceA}archive/reel-9.mkv`)).toMatchObject({ size: video.length });
  });

  it('makes absolute URLs from PUBLIC_URL', async () => {
    const behindProxy = await buildApp({ config: loadConfig({ ...env, PUBLIC_URL: 'https://restore.example/api/' }), redis, store, queues });
    try {
      const res = await behindProxy.inject({
        method: 'POST',
        url: '/v1/reels',
        headers: { authorization: `Bearer ${KEY_A}` },
        payload: { source: { key: 'archive/reel-9.mkv' } },
      });
      expect(res.statusCode).toBe(202);
      const { id, statusUrl } = res.json();
      expect(statusUrl).toBe(`https://restore.example/api/v1/reels/${id}`);
      expect(res.headers.location).toBe(statusUrl);
    } finally {
      await behindProxy.close();
    }
  });

  it('answers 404 for a key or prefix with nothing there, 400 for unsafe keys', async () => {
    const missing = await submitJson({ source: { key: 'archive/nope.mov' } });
    expect(missing.status).toBe(404);
    expect((await json(missing)).detail).toContain('archive/nope.mov');
    expect((await submitJson({ source: { prefix: 'archive/empty/' } })).status).toBe(404);
    expect((await submitJson({ source: { key: '../x' } })).status).toBe(400);
    expect((await submitJson({ source: { key: 'reels/abc/source/source.mkv' } })).status).toBe(404);
    expect((await submitJson({ source: { url: 'http://x' } })).status).toBe(400);
    expect((await submitJson({ source: { key: 'archive/scans/0001.png' } })).status).toBe(415);
  });
});

describe('reads, lists and cancels', () => {
  it('keeps tenants apart: another tenant gets 404 and never sees the reel', async () => {
    const { id } = await json(await uploadVideo());
    expect((await call(`/v1/reels/${id}`, {}, KEY_B)).status).toBe(404);
    expect((await call(`/v1/reels/${id}`, { method: 'DELETE' }, KEY_B)).status).toBe(404);
    expect((await call(`/v1/reels/${id}/output`, {}, KEY_B)).status).toBe(404);
    const listed = await json(await call('/v1/reels?limit=100', {}, KEY_B));
    expect(listed.reels.map((r: { id: string }) => r.id)).not.toContain(id);
    expect((await call(`/v1/reels/${id}`)).status).toBe(200);
    expect((await call('/v1/reels/not-an-id')).status).toBe(404);
  });

  it('pages newest first with a cursor and filters by state', async () => {
    const key = 'rr_test_key_tenant_b';
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await json(await submitJson({ source: { key: 'archive/reel-9.mkv' } }, key))).id);
    const all = (await json(await call('/v1/reels?limit=100', {}, key))).reels.map((r: { id: string }) => r.id);
    expect(all.slice(0, 3)).toEqual([...ids].reverse());

    const page1 = await json(await call('/v1/reels?limit=2', {}, key));
    expect(page1.reels.map((r: { id: string }) => r.id)).toEqual(all.slice(0, 2));
    expect(page1.nextCursor).toBe(all[1]);
    const page2 = await json(await call(`/v1/reels?limit=2&cursor=${page1.nextCursor}`, {}, key));
    expect(page2.reels.map((r: { id: string }) => r.id)).toEqual(all.slice(2, 4));

    expect((await call(`/v1/reels/${ids[1]}`, { method: 'DELETE' }, key)).status).toBe(202);
    const cancelled = await json(await call('/v1/reels?state=cancelled', {}, key));
    expect(cancelled.reels.map((r: { id: string }) => r.id)).toEqual([ids[1]]);
    expect(cancelled).not.toHaveProperty('nextCursor');
    // A last page that is exactly full has no cursor either: nothing follows it.
    const exact = await json(await call(`/v1/reels?limit=${all.length}`, {}, key));
    expect(exact.reels).toHaveLength(all.length);
    expect(exact).not.toHaveProperty('nextCursor');
    expect((await call('/v1/reels?limit=0', {}, key)).status).toBe(400);
    expect((await call('/v1/reels?state=lost', {}, key)).status).toBe(400);
  });

  it('cancels a reel, removing its probe job, and answers 409 the second time', async () => {
    const { id } = await json(await uploadVideo());
    expect(await queues.probe.getJob(jobIds.probe(id))).toBeDefined();
    const res = await call(`/v1/reels/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ id, state: 'cancelled' });
    expect(await queues.probe.getJob(jobIds.probe(id))).toBeUndefined();
    expect((await json(await call(`/v1/reels/${id}`))).state).toBe('cancelled');
    const again = await call(`/v1/reels/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    expect((await json(again)).state).toBe('cancelled');
  });
});

describe('errors', () => {
  it('answers every error class as an RFC 9457 problem with a stable type', async () => {
    const big = Buffer.alloc(MAX_UPLOAD * 2);
    Buffer.from([0x1a, 0x45, 0xdf, 0xa3]).copy(big); // a Matroska signature, so only the size is wrong
    const cases: [Promise<Response>, number, string][] = [
      [submitJson({ source: { url: 'http://x' } }), 400, 'bad-request'],
      [call('/v1/reels', {}, 'not-a-key'), 401, 'unauthorized'],
      [call('/v1/reels/rl_doesnotexist0000000000'), 404, 'not-found'],
      [call('/v1/nowhere'), 404, 'not-found'],
      [upload({ data: big, name: 'big.mkv', type: 'video/x-matroska' }), 413, 'too-large'],
      [upload({ data: Buffer.from('notes\n'.repeat(100)), name: 'notes.txt', type: 'text/plain' }), 415, 'unsupported-media'],
      [upload({ data: Buffer.alloc(0), name: 'empty.mkv', type: 'video/x-matroska' }), 422, 'unprocessable'],
    ];
    const { id } = await json(await uploadVideo());
    expect((await call(`/v1/reels/${id}`, { method: 'DELETE' })).status).toBe(202);
    cases.push([call(`/v1/reels/${id}`, { method: 'DELETE' }), 409, 'conflict']);
    for (const [pending, status, type] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = await json(res);
      expect(problem).toMatchObject({ type: `urn:reelrestore:problem:${type}`, status, title: expect.any(String), detail: expect.any(String) });
      expect(problem.instance).toMatch(/^\/v1\//);
    }
  });
});

describe('rate limits', () => {
  it('limits each tenant separately, with RateLimit headers and a 429 problem with Retry-After', async () => {
    const limited = await buildApp({ config: loadConfig({ ...env, QUEUE_PREFIX: 'ratetest', RATE_LIMIT_PER_MINUTE: '3' }), redis, store, queues });
    const url = await limited.listen({ port: 0, host: '127.0.0.1' });
    try {
      const get = (key: string | null, path = '/v1/reels') => fetch(url + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      const first = await get(KEY_A);
      expect(first.status).toBe(200);
      expect(first.headers.get('ratelimit-limit')).toBe('3');
      expect(first.headers.get('ratelimit-remaining')).toBe('2');
      await get(KEY_A);
      await get(KEY_A);
      const over = await get(KEY_A);
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await json(over)).toMatchObject({ type: 'urn:reelrestore:problem:rate-limited', status: 429 });
      // Another tenant has its own budget; probes are never limited.
      expect((await get(KEY_B)).status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await get(null, '/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('outputs', () => {
  it('answers 409 with the state before the reel is completed', async () => {
    const { id } = await json(await uploadVideo());
    for (const path of ['output', 'preview', 'report', 'masks/0']) {
      const res = await call(`/v1/reels/${id}/${path}`);
      expect(res.status).toBe(409);
      expect((await json(res)).state).toBe('queued');
    }
  });

  it('serves a completed video reel: links, output, preview, report and masks', async () => {
    const { id } = await json(await uploadVideo());
    const keys = reelKeys(id);
    const restored = Buffer.from('restored video bytes');
    await store.put(keys.output('clip.restored.mkv'), restored);
    await store.put(keys.preview, Buffer.from('mp4'));
    await store.put(keys.report, Buffer.from('{"shots":[]}'));
    await store.put(keys.mask(0), Buffer.from('png'));
    await reels.setOutputs(id, { kind: 'video', output: keys.output('clip.restored.mkv'), outputName: 'clip.restored.mkv', preview: keys.preview, report: keys.report, maskPrefix: keys.maskPrefix });
    await reels.transition(id, 'completed');

    const rec = await json(await call(`/v1/reels/${id}`));
    // Absolute, at the origin the client used (no PUBLIC_URL here).
    expect(rec.links).toEqual({
      self: `${base}/v1/reels/${id}`,
      output: `${base}/v1/reels/${id}/output`,
      manifest: `${base}/v1/reels/${id}/output/manifest`,
      preview: `${base}/v1/reels/${id}/preview`,
      report: `${base}/v1/reels/${id}/report`,
      masks: `${base}/v1/reels/${id}/masks/{frame}`,
    });
    const out = await call(`/v1/reels/${id}/output`);
    expect(out.status).toBe(200);
    expect(out.headers.get('content-type')).toBe('video/x-matroska');
    expect(out.headers.get('content-disposition')).toBe('attachment; filename="clip.restored.mkv"');
    expect(Buffer.from(await out.arrayBuffer()).equals(restored)).toBe(true);
    const preview = await call(`/v1/reels/${id}/preview`);
    expect(preview.headers.get('content-type')).toBe('video/mp4');
    await preview.arrayBuffer();
    expect(await json(await call(`/v1/reels/${id}/report`))).toEqual({ shots: [] });
    const mask = await call(`/v1/reels/${id}/masks/0`);
    expect(mask.headers.get('content-type')).toBe('image/png');
    expect(await mask.text()).toBe('png');
    expect((await call(`/v1/reels/${id}/masks/7`)).status).toBe(404);
    expect((await call(`/v1/reels/${id}/masks/-1`)).status).toBe(400);
    expect((await call(`/v1/reels/${id}`, { method: 'DELETE' })).status).toBe(409);

    // A store that can presign (S3) sends the client there instead of streaming through the API.
    const presign = vi.spyOn(store, 'presignedUrl').mockResolvedValue('https://bucket.example/signed');
    try {
      const redirect = await call(`/v1/reels/${id}/output`);
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('location')).toBe('https://bucket.example/signed');
      expect(presign).toHaveBeenCalledWith(keys.output('clip.restored.mkv'), 3600, 'clip.restored.mkv');
    } finally {
      presign.mockRestore();
    }
  });

  it('serves a completed sequence as a tar of its frames', async () => {
    const { id } = await json(await upload({ data: framesTar, name: 'reel1.tar', type: 'application/x-tar' }));
    const keys = reelKeys(id);
    const frames = ['frame_0001.png', 'frame_0002.png', 'frame_0003.png'];
    for (const f of frames) await store.put(keys.outputFrame(f), Buffer.from(`restored ${f}`));
    await reels.setOutputs(id, { kind: 'sequence', output: `${keys.outputPrefix}frames/`, outputName: 'reel1.restored', preview: keys.preview, report: keys.report, maskPrefix: keys.maskPrefix });
    await reels.transition(id, 'completed');

    const res = await call(`/v1/reels/${id}/output`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="reel1.restored.tar"');
    const entries: Record<string, string> = {};
    const extract = tar.extract();
    Readable.from(Buffer.from(await res.arrayBuffer())).pipe(extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract) {
      entries[entry.header.name] = (await collect(entry as AsyncIterable<Buffer>)).toString();
    }
    expect(entries).toEqual(Object.fromEntries(frames.map((f) => [f, `restored ${f}`])));
  });
});

describe('health and documentation', () => {
  it('answers /healthz and /readyz without a key, and serves the OpenAPI document', async () => {
    expect(await json(await call('/healthz', {}, null))).toEqual({ status: 'ok' });
    const ready = await call('/readyz', {}, null);
    expect(ready.status).toBe(200);
    expect(await json(ready)).toEqual({ status: 'ok', checks: { redis: 'ok', store: 'ok' } });
    const doc = await json(await call('/docs/json', {}, null));
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths['/v1/reels'])).toEqual(expect.arrayContaining(['post', 'get']));
    expect(Object.keys(doc.paths['/v1/reels'].post.requestBody.content)).toEqual(['multipart/form-data', 'application/json']);
  });

  it('turns /readyz to 503 while shutting down', async () => {
    app.shuttingDown = true;
    try {
      expect((await call('/readyz', {}, null)).status).toBe(503);
    } finally {
      app.shuttingDown = false;
    }
  });

  it('turns /readyz to 503 when Redis is gone (runs last: it stops the server)', async () => {
    await redisServer.stop();
    const res = await call('/readyz', {}, null);
    expect(res.status).toBe(503);
    expect((await json(res)).checks).toEqual({ redis: 'timed out', store: 'ok' });
    expect((await call('/healthz', {}, null)).status).toBe(200);
  });
});
