/**
 * Uploads on an S3 store, over real HTTP: the API against s3rver and a private redis-server. Direct
 * multipart uploads, whose parts go from the test straight to s3rver with presigned URLs, and resumable
 * (tus) ones through the API into tus's S3 store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '@reelrestore/shared/config';
import { tenantKeys } from '@reelrestore/shared/storage/keys';
import { LocalStore } from '@reelrestore/shared/storage/local-store';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { startTestApi, type TestApi } from '../../../test/support/api-server.js';
import { startS3rver, type TestS3 } from '../../../test/support/s3-server.js';
import { BLOCK_BYTES, chunkAt, tusRequests } from '../../../test/support/tus-requests.js';
import { buildApp } from './app.js';

const KEY_A = 'rr_test_key_direct_a';
const KEY_B = 'rr_test_key_direct_b';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const MIB = 1024 * 1024;
// Response bodies are untyped JSON; the assertions check their shape.
const json = (res: Response): Promise<any> => res.json();

let s3: TestS3;
let api: TestApi;
let store: ObjectStore;
let config: Config;

beforeAll(async () => {
  s3 = await startS3rver();
  api = await startTestApi({ keys: { tenanta: KEY_A, tenantb: KEY_B }, env: { QUEUE_PREFIX: 'directtest', STORAGE_URL: s3.url } });
  ({ store, config } = api);
});

afterAll(async () => {
  await api?.close();
  await s3?.stop();
});

const call = (path: string, init: { method?: string; body?: unknown } = {}, key = KEY_A) => api.call(path, init, key);

/** PUTs each part to its presigned URL, as a client does, and keeps the ETags. */
async function putParts(upload: { partSize: number; parts: { partNumber: number; url: string }[] }, data: Buffer) {
  return Promise.all(
    upload.parts.map(async ({ partNumber, url }) => {
      const start = (partNumber - 1) * upload.partSize;
      const res = await fetch(url, { method: 'PUT', body: data.subarray(start, start + upload.partSize) });
      expect(res.status).toBe(200);
      return { partNumber, etag: res.headers.get('etag')! };
    }),
  );
}

/** 12 MiB that sniff as a Matroska video (the signature first), so a reel can be made of it. */
function fakeVideo(): Buffer {
  const data = randomBytes(12 * MIB);
  Buffer.from([0x1a, 0x45, 0xdf, 0xa3]).copy(data);
  return data;
}

describe('direct-to-bucket multipart uploads', () => {
  it('uploads parts straight to S3 with presigned URLs, completes, and makes a reel of the object', async () => {
    const data = fakeVideo();
    const created = await call('/v1/direct-uploads', { method: 'POST', body: { fileName: 'reel-3.mkv', size: data.length, partSize: 5 * MIB } });
    expect(created.status).toBe(201);
    const upload = await json(created);
    expect(upload.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2, 3]);
    expect(upload.parts[0].url.startsWith(s3.endpoint)).toBe(true);

    const parts = await putParts(upload, data);
    const done = await call(`/v1/direct-uploads/${upload.id}/complete`, { method: 'POST', body: { parts } });
    expect(done.status).toBe(200);
    expect(await json(done)).toEqual({ id: upload.id, size: data.length });
    const key = tenantKeys('tenanta').upload(upload.id);
    expect(sha256(await store.getBuffer(key))).toBe(sha256(data));

    const reel = await call('/v1/reels', { method: 'POST', body: { source: { upload: upload.id } } });
    expect(reel.status).toBe(202);
    const rec = await json(await call(`/v1/reels/${(await json(reel)).id}`));
    expect(rec.source).toEqual({ type: 'video', key, fileName: 'reel-3.mkv', size: data.length });
  });

  it("keeps tenants apart: another tenant can neither complete nor use an upload", async () => {
    const data = fakeVideo();
    const upload = await json(await call('/v1/direct-uploads', { method: 'POST', body: { fileName: 'a.mkv', size: data.length, partSize: 6 * MIB } }));
    const parts = await putParts(upload, data);
    expect((await call(`/v1/direct-uploads/${upload.id}/complete`, { method: 'POST', body: { parts } }, KEY_B)).status).toBe(404);
    expect((await call(`/v1/direct-uploads/${upload.id}`, { method: 'DELETE' }, KEY_B)).status).toBe(404);
    expect((await call(`/v1/direct-uploads/${upload.id}/complete`, { method: 'POST', body: { parts } })).status).toBe(200);
    expect((await call('/v1/reels', { method: 'POST', body: { source: { upload: upload.id } } }, KEY_B)).status).toBe(404);
  });

  it('answers 422 for missing parts, 413 over the limit, 400 for a part size S3 refuses', async () => {
    const data = fakeVideo();
    const upload = await json(await call('/v1/direct-uploads', { method: 'POST', body: { fileName: 'b.mkv', size: data.length, partSize: 5 * MIB } }));
    const parts = await putParts(upload, data);
    expect((await call(`/v1/direct-uploads/${upload.id}/complete`, { method: 'POST', body: { parts: parts.slice(1) } })).status).toBe(422);
    // (Wrong ETags are S3's to refuse; s3rver does not check them, so only the count is tested here.)
    const tooBig = await call('/v1/direct-uploads', { method: 'POST', body: { fileName: 'c.mkv', size: config.MAX_UPLOAD_BYTES + 1 } });
    expect(tooBig.status).toBe(413);
    expect((await call('/v1/direct-uploads', { method: 'POST', body: { fileName: 'd.mkv', size: 100 * MIB, partSize: MIB } })).status).toBe(400);
  });

  it('answers 409 on a deployment that keeps reels in a local folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-direct-local-'));
    const local = await buildApp({ config, redis: api.redis, store: new LocalStore(dir), queues: api.queues });
    try {
      const res = await local.inject({
        method: 'POST',
        url: '/v1/direct-uploads',
        headers: { authorization: `Bearer ${KEY_A}` },
        payload: { fileName: 'e.mkv', size: 10 },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().detail).toMatch(/resumable upload/);
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resumable uploads (tus) on an S3 store', () => {
  const tus = tusRequests(() => api.base, KEY_A);

  it('resumes a broken upload from the offset S3 holds, and makes a reel of it', async () => {
    const size = 40 * MIB; // several of tus's 16 MiB parts, the last one short
    const created = await tus.create(size, 'reel-5.mkv');
    expect(created.status).toBe(201);
    const url = created.headers.get('location')!;
    await tus.patchGenerated(url, 0, size, 21 * MIB);
    const first = await tus.serverOffset(url);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(size);
    await tus.patchGenerated(url, first, size);
    expect(await tus.serverOffset(url)).toBe(size);

    const expected = createHash('sha256');
    for (let at = 0; at < size; at += BLOCK_BYTES) expected.update(chunkAt(at, size));
    const id = url.split('/').at(-1)!;
    const key = tenantKeys('tenanta').upload(id);
    expect(sha256(await store.getBuffer(key))).toBe(expected.digest('hex'));
    // Another tenant cannot see it; its owner can make a reel of it (the generated bytes sniff as nothing: 415).
    expect((await tus.offsetOf(url, KEY_B)).status).toBe(404);
    expect((await call('/v1/reels', { method: 'POST', body: { source: { upload: id } } })).status).toBe(415);
  });

  it('makes a reel of a finished video uploaded with tus', async () => {
    const data = fakeVideo();
    const { status, id } = await tus.uploadWhole(data, 'reel-6.mkv');
    expect(status).toBe(204);
    const reel = await call('/v1/reels', { method: 'POST', body: { source: { upload: id } } });
    expect(reel.status).toBe(202);
    const rec = await json(await call(`/v1/reels/${(await json(reel)).id}`));
    expect(rec.source).toEqual({ type: 'video', key: tenantKeys('tenanta').upload(id), fileName: 'reel-6.mkv', size: data.length });
  });
});
