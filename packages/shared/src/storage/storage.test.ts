// Pure storage tests: no ffmpeg, no Redis. The same contract runs against the local folder and a
// real (imitation) S3 server, so callers can treat the two stores as interchangeable.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3rver, type TestS3 } from '../../../../test/support/s3-server.js';
import { BadInputError, ConfigError, NotFoundError } from '../errors.js';
import { createObjectStore } from './create-store.js';
import { LocalStore } from './local-store.js';
import { S3Store } from './s3-store.js';
import type { ObjectStore } from './storage.js';

const MiB = 1024 * 1024;
const PART = 8 * MiB;

interface Harness {
  store: ObjectStore;
  stop(): Promise<void>;
}

const implementations: { name: string; start(): Promise<Harness> }[] = [
  {
    name: 'LocalStore',
    async start() {
      const dir = await mkdtemp(join(tmpdir(), 'rr-store-'));
      return { store: createObjectStore(`file://${dir}`), stop: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3Store',
    async start() {
      const s3 = await startS3rver();
      const store = createObjectStore(s3.url);
      return {
        store,
        async stop() {
          (store as S3Store).destroy();
          await s3.stop();
        },
      };
    },
  },
];

/** A body streamed in 1 MiB random chunks, with its bytes and hash computed independently of any store. */
function generatedBody(totalBytes: number): { stream: () => Readable; bytes: Buffer; sha256: string } {
  const chunks: Buffer[] = [];
  for (let left = totalBytes; left > 0; left -= MiB) chunks.push(randomBytes(Math.min(MiB, left)));
  const bytes = Buffer.concat(chunks);
  return {
    stream: () =>
      Readable.from(
        (async function* () {
          for (const c of chunks) yield c;
        })(),
      ),
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function listAll(store: ObjectStore, prefix: string) {
  const out = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out;
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

let nextId = 0;
/** Every test writes under its own folder, so tests sharing a store cannot see each other. */
const folder = () => `t${++nextId}-${randomBytes(3).toString('hex')}/`;

describe.each(implementations)('ObjectStore contract: $name', ({ name, start }) => {
  let h: Harness;
  let store: ObjectStore;
  const isS3 = name === 'S3Store';

  beforeAll(async () => {
    h = await start();
    store = h.store;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('round-trips a streamed body larger than one multipart part, hashing while streaming', async () => {
    const key = `${folder()}big.bin`;
    const body = generatedBody(20 * MiB + 123);
    const put = await store.put(key, body.stream(), { contentType: 'application/octet-stream' });
    expect(put).toEqual({ size: body.bytes.length, sha256: body.sha256 });
    expect(await store.head(key)).toEqual({ key, size: body.bytes.length });
    const back = await collect(await store.get(key));
    expect(back.length).toBe(body.bytes.length);
    expect(sha256(back)).toBe(body.sha256);
    expect(back.equals(body.bytes)).toBe(true);

    // Across the first part boundary, and an open-ended range.
    const mid = await collect(await store.get(key, { start: PART - 3, end: PART + 3 }));
    expect(mid.equals(body.bytes.subarray(PART - 3, PART + 4))).toBe(true);
    const tail = await collect(await store.get(key, { start: body.bytes.length - 10 }));
    expect(tail.equals(body.bytes.subarray(-10))).toBe(true);
  });

  it('stores Buffer and Uint8Array bodies (respecting byteOffset) and empty bodies', async () => {
    const f = folder();
    const backing = Buffer.from('xxhello worldyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 11);
    expect(await store.put(`${f}view.txt`, view)).toEqual({ size: 11, sha256: sha256(Buffer.from('hello world')) });
    expect((await store.getBuffer(`${f}view.txt`)).toString()).toBe('hello world');

    await store.put(`${f}buf.json`, Buffer.from('{"a":1}'), { contentType: 'application/json' });
    expect(JSON.parse((await store.getBuffer(`${f}buf.json`)).toString())).toEqual({ a: 1 });

    const empty = await store.put(`${f}empty.bin`, Readable.from([]));
    expect(empty).toEqual({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(await store.head(`${f}empty.bin`)).toEqual({ key: `${f}empty.bin`, size: 0 });
    expect((await store.getBuffer(`${f}empty.bin`)).length).toBe(0);
  });

  it('reads byte ranges (inclusive end, like HTTP Range)', async () => {
    const key = `${folder()}digits.txt`;
    await store.put(key, Buffer.from('0123456789abcdef'));
    expect((await collect(await store.get(key, { start: 5, end: 9 }))).toString()).toBe('56789');
    expect((await collect(await store.get(key, { start: 10 }))).toString()).toBe('abcdef');
    // A single byte (s3rver mishandles end: 0, reading 'bytes=0-0' as open-ended, so not 0).
    expect((await collect(await store.get(key, { start: 3, end: 3 }))).toString()).toBe('3');
  });

  it('reports missing objects: head null, get/getBuffer/mediaUrl NotFoundError', async () => {
    const key = `${folder()}missing.bin`;
    expect(await store.head(key)).toBeNull();
    await expect(store.get(key)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get(key, { start: 0, end: 1 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.getBuffer(key)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.mediaUrl(key)).rejects.toBeInstanceOf(NotFoundError);
    expect(await listAll(store, folder())).toEqual([]);
  });

  it('lists sorted by key, scoped to the prefix as a folder', async () => {
    const root = folder();
    const p = `${root}p/`;
    const keys = [`${p}b.bin`, `${p}sub/c.bin`, `${p}a.bin`, `${p}a0.bin`, `${p}A.bin`, `${p}sub/a.bin`];
    for (const [i, key] of keys.entries()) await store.put(key, Buffer.alloc(i + 1, 1));
    // Neighbours that share a string prefix with the folder but are not inside it.
    await store.put(`${root}pp/x.bin`, Buffer.from('x'));
    await store.put(`${root}p.bin`, Buffer.from('x'));

    const listed = await listAll(store, p);
    expect(listed.map((o) => o.key)).toEqual([...keys].sort());
    expect(listed.find((o) => o.key === `${p}sub/c.bin`)?.size).toBe(2);
    expect((await listAll(store, `${p}sub/`)).map((o) => o.key)).toEqual([`${p}sub/a.bin`, `${p}sub/c.bin`]);
    // A prefix without its trailing slash still means the folder.
    expect((await listAll(store, `${root}p`)).map((o) => o.key)).toEqual([...keys].sort());
  });

  it('deletes single objects (missing ones silently) and whole prefixes, leaving neighbours', async () => {
    const root = folder();
    await store.put(`${root}a/1.bin`, Buffer.from('1'));
    await store.put(`${root}a/deep/2.bin`, Buffer.from('2'));
    await store.put(`${root}ab/3.bin`, Buffer.from('3'));
    await store.put(`${root}keep.bin`, Buffer.from('k'));

    await store.delete(`${root}a/1.bin`);
    expect(await store.head(`${root}a/1.bin`)).toBeNull();
    await store.delete(`${root}a/1.bin`);
    await store.delete(`${root}never-there.bin`);

    await store.put(`${root}a/1.bin`, Buffer.from('1'));
    await store.deletePrefix(`${root}a/`);
    expect(await listAll(store, `${root}a/`)).toEqual([]);
    expect((await listAll(store, root)).map((o) => o.key)).toEqual([`${root}ab/3.bin`, `${root}keep.bin`]);
    await store.deletePrefix(`${root}nothing/`);
  });

  it('lists and deletes more objects than one listing page / delete batch holds', async () => {
    const p = `${folder()}many/`;
    const keys = Array.from({ length: 1010 }, (_, i) => `${p}${String(i).padStart(5, '0')}.bin`);
    await pool(keys, 16, (key) => store.put(key, Buffer.from(key)));
    const listed = await listAll(store, p);
    expect(listed.length).toBe(keys.length);
    expect(listed.map((o) => o.key)).toEqual(keys);
    await store.deletePrefix(p);
    expect(await listAll(store, p)).toEqual([]);
  });

  it('overwrites an object, also with a shorter body', async () => {
    const key = `${folder()}over.txt`;
    await store.put(key, Buffer.from('a much longer first version'));
    const second = await store.put(key, Buffer.from('v2'));
    expect(second.size).toBe(2);
    expect((await store.getBuffer(key)).toString()).toBe('v2');
    expect(await store.head(key)).toEqual({ key, size: 2 });
  });

  it('leaves no object behind when the body stream fails part-way', async () => {
    const key = `${folder()}broken.bin`;
    const failing = Readable.from(
      (async function* () {
        for (let i = 0; i < 9; i++) yield randomBytes(MiB);
        throw new Error('scanner disconnected');
      })(),
    );
    await expect(store.put(key, failing)).rejects.toThrow('scanner disconnected');
    expect(await store.head(key)).toBeNull();
  });

  it('gives ffmpeg something it can open: a path locally, a presigned URL on S3', async () => {
    const key = `${folder()}media.bin`;
    const bytes = randomBytes(64 * 1024);
    await store.put(key, bytes);
    const url = await store.mediaUrl(key);
    if (!isS3) {
      expect(url.startsWith('/')).toBe(true);
      expect((await readFile(url)).equals(bytes)).toBe(true);
      return;
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reels-test\//);
    expect(url).toContain('X-Amz-Expires=86400');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    // ffmpeg seeks with Range requests on the same URL.
    const ranged = await fetch(url, { headers: { Range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('makes presigned download URLs on S3 only', async () => {
    const key = `${folder()}restored.mkv`;
    await store.put(key, Buffer.from('film'));
    const plain = await store.presignedUrl(key, 600);
    const named = await store.presignedUrl(key, 600, 'Reel 3 "final" – restored.mkv');
    if (!isS3) {
      expect(plain).toBeNull();
      expect(named).toBeNull();
      return;
    }
    expect(plain).toContain('X-Amz-Expires=600');
    expect(await (await fetch(plain!)).text()).toBe('film');
    const res = await fetch(named!);
    expect(await res.text()).toBe('film');
    const disposition = res.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="Reel 3 _final_ _ restored\.mkv"; filename\*=UTF-8''/);
    expect(disposition).toContain(encodeURIComponent('–'));
  });

  it('rejects keys that could escape their prefix', async () => {
    for (const bad of ['a/../b.bin', '../b.bin', '/abs.bin', 'a//b.bin', '', 'a/./b.bin']) {
      await expect(store.put(bad, Buffer.from('x')), bad).rejects.toBeInstanceOf(BadInputError);
      await expect(store.get(bad), bad).rejects.toBeInstanceOf(BadInputError);
      await expect(store.delete(bad), bad).rejects.toBeInstanceOf(BadInputError);
      await expect(store.mediaUrl(bad), bad).rejects.toBeInstanceOf(BadInputError);
    }
    await expect(store.deletePrefix('../')).rejects.toBeInstanceOf(BadInputError);
    await expect(store.deletePrefix('')).rejects.toBeInstanceOf(BadInputError);
    await expect(listAll(store, 'a/../')).rejects.toBeInstanceOf(BadInputError);
  });

  it('answers ping when reachable', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('S3Store specifics (s3rver)', () => {
  let s3: TestS3;
  const stores: S3Store[] = [];
  const open = (url: string) => {
    const store = createObjectStore(url) as S3Store;
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    s3 = await startS3rver({ bucket: 'reels-specifics' });
  });
  afterAll(async () => {
    for (const store of stores) store.destroy();
    await s3?.stop();
  });

  it('puts every key under ?prefix= and lists keys without it', async () => {
    const prefixed = open(`${s3.url}&prefix=deploy-a`);
    const whole = open(s3.url);
    expect(prefixed.prefix).toBe('deploy-a/');
    await prefixed.put('reels/r1/plan.json', Buffer.from('{}'));
    expect((await listAll(prefixed, 'reels/')).map((o) => o.key)).toEqual(['reels/r1/plan.json']);
    expect((await listAll(whole, 'deploy-a/')).map((o) => o.key)).toEqual(['deploy-a/reels/r1/plan.json']);
    expect(await whole.head('reels/r1/plan.json')).toBeNull();
    await prefixed.deletePrefix('reels/');
    expect(await listAll(whole, 'deploy-a/')).toEqual([]);
  });

  it('ensureBucket creates a missing bucket once; ping fails before', async () => {
    const url = `s3://fresh-bucket?${new URLSearchParams({ endpoint: s3.endpoint })}`;
    const store = open(url);
    await expect(store.ping()).rejects.toThrow(/fresh-bucket is not reachable/);
    await store.ensureBucket();
    await store.ensureBucket();
    await store.ping();
    await store.put('x/y.txt', Buffer.from('y'));
    expect((await store.getBuffer('x/y.txt')).toString()).toBe('y');
  });

  it('ping fails when the server is unreachable', async () => {
    const store = new S3Store({ bucket: 'reels-test', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    stores.push(store);
    await expect(store.ping()).rejects.toThrow(/not reachable/);
  });

  it('discards an upload whose stored length does not match the bytes streamed', async () => {
    const store = open(s3.url);
    const send = store.client.send.bind(store.client);
    // Imitates a server that silently truncated the body: HEAD reports fewer bytes.
    const spy = vi.spyOn(store.client, 'send').mockImplementation(((command: Parameters<typeof send>[0]) =>
      command instanceof HeadObjectCommand ? Promise.resolve({ ContentLength: 3, $metadata: {} }) : send(command)) as typeof store.client.send);
    await expect(store.put('short/obj.bin', Buffer.from('0123456789'))).rejects.toThrow(/3 bytes instead of 10/);
    spy.mockRestore();
    expect(await store.head('short/obj.bin')).toBeNull();
  });
});

describe('createObjectStore', () => {
  it('opens local folders from file: URLs and bare paths', () => {
    const abs = createObjectStore('file:///var/tmp/rr-store');
    expect(abs).toBeInstanceOf(LocalStore);
    expect((abs as LocalStore).root).toBe('/var/tmp/rr-store');
    const rel = createObjectStore('file:./data/store');
    expect((rel as LocalStore).root).toBe(join(process.cwd(), 'data/store'));
    expect((createObjectStore('data/x') as LocalStore).root).toBe(join(process.cwd(), 'data/x'));
  });

  it('opens S3 from s3:// URLs with endpoint, region and prefix', () => {
    const store = createObjectStore('s3://my-reels?endpoint=http://minio:9000&region=eu-west-1&prefix=prod/') as S3Store;
    expect(store).toBeInstanceOf(S3Store);
    expect(store.bucket).toBe('my-reels');
    expect(store.region).toBe('eu-west-1');
    expect(store.prefix).toBe('prod/');
    const plain = createObjectStore('s3://my-reels') as S3Store;
    expect(plain.region).toBe('us-east-1');
    expect(plain.prefix).toBe('');
    store.destroy();
    plain.destroy();
  });

  it.each([
    ['gs://bucket', /STORAGE_URL.*scheme "gs:"/],
    ['http://example.com/x', /STORAGE_URL.*scheme "http:"/],
    ['s3://ab', /STORAGE_URL.*3 to 63 characters/],
    ['s3://', /STORAGE_URL.*no bucket/],
    ['s3://bad!name', /STORAGE_URL/],
    ['s3://reels/sub/dir', /STORAGE_URL.*\?prefix=/],
    ['s3://reels?endpiont=http://x', /STORAGE_URL.*unknown parameter "endpiont"/],
    ['s3://reels?endpoint=ftp://x', /STORAGE_URL.*endpoint/],
    ['s3://reels?region=EU%20West', /STORAGE_URL.*region/],
    ['s3://reels?prefix=../up', /STORAGE_URL.*prefix/],
    ['s3://AKIA:secret@reels', /STORAGE_URL.*credentials/],
  ])('rejects %s', (url, message) => {
    let caught: unknown;
    try {
      createObjectStore(url);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('secret');
  });
});
