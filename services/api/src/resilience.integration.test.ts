/**
 * The API under slow clients and a missing dependency, over real sockets against a real redis-server that
 * the test stops and starts: stalled bodies are cut off, huge declared lengths refused before a byte is
 * read, and while Redis is down requests fail fast with 503 and Retry-After and nothing is done later.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@reelrestore/shared/config';
import { S3Store } from '@reelrestore/shared/storage/s3-store';
import { freePort, TestRedis } from '../../../test/support/redis-server.js';
import { startApi, type RunningApi } from './start-api.js';

const KEY = 'rr_resilience_key_0123456789';
let redis: TestRedis;
let api: RunningApi;
let dir: string;
let port: number;

/** An API on a free loopback port, on this file's Redis, with the test key, quiet, and `env` over that. */
function apiConfig(env: Record<string, string>) {
  return loadConfig({ REDIS_URL: redis.url, API_KEYS: `acme:${createHash('sha256').update(KEY).digest('hex')}`, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rr-resilience-'));
  redis = await new TestRedis().start();
  const config = apiConfig({
    STORAGE_URL: `file://${join(dir, 'store')}`,
    HTTP_IDLE_TIMEOUT_MS: '1500',
    HTTP_REQUEST_TIMEOUT_MS: '2000',
    API_MAX_EVENT_LOOP_DELAY_MS: '150',
    MAX_UPLOAD_BYTES: String(1024 * 1024 * 1024),
  });
  api = await startApi(config);
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api?.close(1_000);
  await redis?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });

/** Sends raw bytes on a new connection; resolves with what came back once the server closes it. */
function rawExchange(bytes: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
  });
}

/**
 * Sends `head`, then `drip` one piece every `everyMs` (never silent long enough for the idle timeout), until
 * the server closes the connection or `pieces` are sent; resolves with what came back.
 */
function trickle(head: string, drip: string[], everyMs: number): Promise<{ answer: string; sent: number; closed: boolean }> {
  return new Promise((resolve, reject) => {
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent === drip.length) return clearInterval(timer);
        if (!socket.destroyed) socket.write(Buffer.from(drip[sent++]!, 'latin1'));
      }, everyMs);
    });
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, sent, closed: true });
    });
  });
}

describe('slow and greedy clients', () => {
  it('cuts off a client that sends half a header line and stops, and one that trickles its headers', { timeout: 20_000 }, async () => {
    const half = await rawExchange(`GET /v1/reels HTTP/1.1\r\nHost: x\r\nAuthoriz`);
    expect(half.answer).not.toMatch(/^HTTP\/1\.1 200/);
    // A header byte every 300 ms is never idle for the 1.5 s idle timeout: the headers timeout ends it.
    const slow = await trickle(`GET /v1/reels HTTP/1.1\r\nHost: x\r\nX-Pad: `, Array.from({ length: 200 }, () => 'a'), 300);
    expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.sent).toBeLessThan(200);
  });

  // Every body the API reads whole is timed, whatever its declared type: text/plain is read whole too.
  it.each(['application/json', 'text/plain'])('answers 408 to a %s body trickled a byte at a time, past HTTP_REQUEST_TIMEOUT_MS', { timeout: 20_000 }, async (type) => {
    const body = JSON.stringify({ source: { key: 'x'.repeat(200) } });
    const head = `POST /v1/reels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { answer, sent } = await trickle(head, [...body], 300);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(body.length);
  });


  it('closes a connection whose body stops arriving', { timeout: 20_000 }, async () => {
    const head = `POST /v1/reels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;
    const { closedAfterMs } = await rawExchange(head + '{"source": {"key": "' + 'a'.repeat(600));
    // Closed by the idle timeout (1.5 s here), not held open for as long as the client likes.
    expect(closedAfterMs).toBeLessThan(15_000);
  });

  it('refuses a 1 TB declared body at once, without reading it', async () => {
    const { answer } = await rawExchange(`POST /v1/reels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${1024 ** 4}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/over the upload limit/);
  });

  it('marks every answer: no sniffing, no framing, API answers not cached', async () => {
    for (const res of [await get('/v1/reels'), await fetch(`${api.url}/healthz`), await get('/v1/reels/nope')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect((await get('/v1/reels')).headers.get('cache-control')).toBe('no-store');
    expect((await get('/v1/reels/nope')).headers.get('cache-control')).toBe('no-store');
    const page = await fetch(`${api.url}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });
});

describe('an overloaded process', () => {
  it('answers 503 with Retry-After while its event loop lags, keeps the liveness probe up, and recovers', { timeout: 30_000 }, async () => {
    // This process is the API's: a loop that runs 300 ms at a time for seconds is what overload looks like to it.
    const end = Date.now() + 4_000;
    const load = (async () => {
      while (Date.now() < end) {
        const slice = Date.now() + 300;
        while (Date.now() < slice) {
          /* busy */
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const answers: { status: number; retryAfter: string | null; live: number }[] = [];
    while (Date.now() < end) {
      const [res, live] = await Promise.all([get('/v1/reels'), fetch(`${api.url}/healthz`)]);
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), live: live.status });
    }
    await load;
    expect(answers.filter((a) => a.status === 503).map((a) => a.retryAfter)).toContain('10');
    expect(answers.every((a) => a.live === 200)).toBe(true);
    // Once the loop is free again, requests are served (three in a row, half a second apart).
    let ok = 0;
    for (let i = 0; i < 60 && ok < 3; i++) {
      ok = (await get('/v1/reels')).status === 200 ? ok + 1 : 0;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(ok).toBe(3);
  });
});

describe('Redis down', () => {
  it('fails fast with 503 and Retry-After, does nothing late, and recovers when Redis is back', { timeout: 30_000 }, async () => {
    await redis.stop();
    const started = Date.now();
    const list = await get('/v1/reels');
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBe('5');
    expect(((await list.json()) as { type: string }).type).toBe('urn:reelrestore:problem:unavailable');
    const create = await fetch(`${api.url}/v1/reels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: { key: 'reel1.mkv' } }),
    });
    expect(create.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await fetch(`${api.url}/readyz`)).status).toBe(503);

    await redis.start();
    for (let i = 0; i < 100 && (await get('/v1/reels')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const after = await get('/v1/reels');
    expect(after.status).toBe(200);
    // The POST that failed while Redis was down was not carried out once it came back.
    expect(((await after.json()) as { reels: unknown[] }).reels).toEqual([]);
  });
});

describe('store unreachable', () => {

  async function apiWithStore(endpoint: string, timeouts: { connectTimeoutMs?: number; requestTimeoutMs?: number } = {}): Promise<RunningApi> {
    const store = new S3Store({ bucket: 'reels', endpoint, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, ...timeouts });
    return startApi(apiConfig({ STORAGE_URL: `file://${join(dir, 'unused')}`, API_MAX_EVENT_LOOP_DELAY_MS: '0' }), { store });
  }

  const submit = (url: string) =>
    fetch(`${url}/v1/reels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: { key: 'reel1.mkv' } }),
    });

  it('a store that refuses connections: 503 with Retry-After, nothing created', { timeout: 30_000 }, async () => {
    const down = await apiWithStore(`http://127.0.0.1:${await freePort()}`);
    try {
      const res = await submit(down.url);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { type: string }).type).toBe('urn:reelrestore:problem:unavailable');
      expect(((await (await fetch(`${down.url}/v1/reels`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { reels: unknown[] }).reels).toEqual([]);
    } finally {
      await down.close(1_000);
    }
  });

  it('a store that takes connections and never answers: 503 with Retry-After once its request timeout passes, not a hang', { timeout: 30_000 }, async () => {
    const silent = createServer(() => undefined);
    const sockets = new Set<import('node:net').Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const down = await apiWithStore(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, { requestTimeoutMs: 500 });
    try {
      const res = await submit(down.url);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await down.close(1_000);
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('long uploads and memory pressure', () => {
  it('does not cut a streamed upload that takes longer than HTTP_REQUEST_TIMEOUT_MS while its bytes keep coming', { timeout: 30_000 }, async () => {
    const boundary = 'rrboundary';
    // An MKV's magic, then padding: the API sniffs what it stores, and a worker (none here) probes it later.
    const file = Buffer.alloc(4096, 7);
    file.set([0x1a, 0x45, 0xdf, 0xa3]);
    const pieces: string[] = [];
    // 4 s of upload, a piece every 250 ms, against a 2 s request timeout (and a 1.5 s idle one).
    for (let i = 0; i < 16; i++) pieces.push(file.subarray(i * 256, (i + 1) * 256).toString('latin1'));
    const start = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="reel.mkv"\r\nContent-Type: video/x-matroska\r\n\r\n`;
    const end = `\r\n--${boundary}--\r\n`;
    const length = start.length + file.length + end.length;
    const head = `POST /v1/reels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${start}`;
    const { answer, sent } = await trickle(head, [...pieces, end], 250);
    expect(sent, answer).toBe(17);
    expect(answer).toMatch(/^HTTP\/1\.1 202 /);
    // Nothing of it stays in the other tests' way.
    const { id } = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { id: string };
    expect((await fetch(`${api.url}/v1/reels/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } })).status).toBeLessThan(300);
  });

  it('answers 503 with Retry-After past its heap limit, but never on /healthz', { timeout: 30_000 }, async () => {
    const config = loadConfig({
      REDIS_URL: redis.url,
      STORAGE_URL: `file://${join(dir, 'store')}`,
      API_KEYS: `acme:${createHash('sha256').update(KEY).digest('hex')}`,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      API_MAX_EVENT_LOOP_DELAY_MS: '0',
      API_MAX_HEAP_USED_BYTES: '1',
    });
    const tight = await startApi(config);
    try {
      // Memory is sampled about once a second.
      let res = await fetch(`${tight.url}/v1/reels`, { headers: { authorization: `Bearer ${KEY}` } });
      for (let i = 0; i < 100 && res.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await fetch(`${tight.url}/v1/reels`, { headers: { authorization: `Bearer ${KEY}` } });
      }
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('10');
      expect((await fetch(`${tight.url}/healthz`)).status).toBe(200);
    } finally {
      await tight.close(1_000);
    }
  });
});
