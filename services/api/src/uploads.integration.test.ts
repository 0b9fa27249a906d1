/**
 * Resumable uploads (tus) over real HTTP into a local store, with a private redis-server: a 2 GiB upload
 * broken off twice and resumed, reels made from finished uploads, and tenants kept apart.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reelKeys, tenantKeys } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { startTestApi, type TestApi } from '../../../test/support/api-server.js';
import { BLOCK_BYTES, chunkAt, tusRequests } from '../../../test/support/tus-requests.js';

const KEY_A = 'rr_test_key_uploads_a';
const KEY_B = 'rr_test_key_uploads_b';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const GIB = 1024 ** 3;
// Response bodies are untyped JSON; the assertions check their shape.
const json = (res: Response): Promise<any> => res.json();

let dir: string;
let api: TestApi;
let store: ObjectStore;
let base: string;
let video: Buffer;
let framesTar: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rr-uploads-'));
  const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=24', '-frames:v', '10', '-c:v', 'ffv1', join(dir, 'clip.mkv'));
  video = readFileSync(join(dir, 'clip.mkv'));
  mkdirSync(join(dir, 'seq'));
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=24', '-frames:v', '3', join(dir, 'seq', 'frame_%04d.png'));
  execFileSync('tar', ['-cf', join(dir, 'frames.tar'), '-C', join(dir, 'seq'), '.']);
  framesTar = readFileSync(join(dir, 'frames.tar'));

  api = await startTestApi({
    keys: { tenanta: KEY_A, tenantb: KEY_B },
    env: { QUEUE_PREFIX: 'uploadtest', STORAGE_URL: `file://${join(dir, 'store')}`, MAX_UPLOAD_BYTES: String(3 * GIB) },
  });
  ({ store, base } = api);
});

afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TUS = { 'tus-resumable': '1.0.0' };
const tus = tusRequests(() => base, KEY_A);
const { offsetOf, patchGenerated, serverOffset } = tus;

async function createUpload(size: number, fileName: string, key = KEY_A): Promise<string> {
  const res = await tus.create(size, fileName, key);
  expect(res.status).toBe(201);
  return res.headers.get('location')!;
}

async function uploadWhole(data: Buffer, fileName: string, key = KEY_A): Promise<string> {
  const { status, id } = await tus.uploadWhole(data, fileName, key);
  expect(status).toBe(204);
  return id;
}

/** Every stored key starting with `prefix` (a folder, or one key and its siblings such as `<key>.json`). */
async function storedKeys(prefix: string): Promise<string[]> {
  const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const keys: string[] = [];
  for await (const o of store.list(folder)) if (o.key.startsWith(prefix)) keys.push(o.key);
  return keys.sort();
}

function submit(source: object, key = KEY_A): Promise<Response> {
  return fetch(`${base}/v1/reels`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ source }) });
}

describe('resumable uploads (tus)', () => {
  it('completes a 2 GiB upload broken off twice, resuming from the offset the server reports, with the right SHA-256', async () => {
    const size = 2 * GIB;
    const url = await createUpload(size, 'reel-7.mkv');
    expect(url).toMatch(new RegExp(`^${base}/v1/uploads/[0-9a-f]{32}$`));

    await patchGenerated(url, 0, size, 700 * 1024 ** 2);
    const first = await serverOffset(url);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(size);

    await patchGenerated(url, first, size, 1400 * 1024 ** 2);
    const second = await serverOffset(url);
    expect(second).toBeGreaterThan(first);
    expect(second).toBeLessThan(size);

    await patchGenerated(url, second, size);
    expect(await serverOffset(url)).toBe(size);

    const expected = createHash('sha256');
    for (let at = 0; at < size; at += BLOCK_BYTES) expected.update(chunkAt(at, size));
    const stored = createHash('sha256');
    const key = tenantKeys('tenanta').upload(url.split('/').at(-1)!);
    for await (const chunk of await store.get(key)) stored.update(chunk as Buffer);
    expect(stored.digest('hex')).toBe(expected.digest('hex'));
    await store.delete(key);
  }, 180_000);

  it('makes a reel of a finished video upload, referencing it where it landed', async () => {
    const id = await uploadWhole(video, 'clip.mkv');
    const res = await submit({ upload: id });
    expect(res.status).toBe(202);
    const reel = await json(await fetch(`${base}/v1/reels/${(await json(res)).id}`, { headers: { authorization: `Bearer ${KEY_A}` } }));
    expect(reel.source).toEqual({ type: 'video', key: tenantKeys('tenanta').upload(id), fileName: 'clip.mkv', size: video.length });
    expect(sha256(await store.getBuffer(reel.source.key))).toBe(sha256(video));
  });

  it('unpacks a finished tar upload into the reel’s frames, and then deletes the tar', async () => {
    const id = await uploadWhole(framesTar, 'frames.tar');
    const res = await submit({ upload: id });
    expect(res.status).toBe(202);
    const reelId = (await json(res)).id;
    const prefix = `${reelKeys(reelId).sourcePrefix}frames/`;
    const keys: string[] = [];
    for await (const o of store.list(prefix)) keys.push(o.key.slice(prefix.length));
    expect(keys).toEqual(['frame_0001.png', 'frame_0002.png', 'frame_0003.png']);
    expect(await storedKeys(tenantKeys('tenanta').upload(id))).toEqual([]);
  });

  it('purges a reel made from an upload: nothing of it is left in the store, and the record says so', async () => {
    const id = await uploadWhole(video, 'clip.mkv');
    const uploadKey = tenantKeys('tenanta').upload(id);
    expect(await storedKeys(uploadKey)).toEqual([uploadKey, `${uploadKey}.json`]);
    const reelId = (await json(await submit({ upload: id }))).id;
    await store.put(reelKeys(reelId).mask(0), Buffer.from('a mask'));

    const purge = (key = KEY_A) => fetch(`${base}/v1/reels/${reelId}?purge=true`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    expect((await purge(KEY_B)).status).toBe(404);
    const res = await purge();
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ id: reelId, state: 'cancelled', purgedAt: expect.any(String) });
    expect(await storedKeys(reelKeys(reelId).root)).toEqual([]);
    expect(await storedKeys(uploadKey)).toEqual([]);

    const get = (path: string) => fetch(`${base}/v1/reels/${reelId}${path}`, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect((await json(await get(''))).purgedAt).toBe(body.purgedAt);
    expect((await get('/output')).status).toBe(410);
    // Twice is harmless; a plain cancel of a finished reel is still a conflict.
    expect(await json(await purge())).toEqual(body);
    expect((await fetch(`${base}/v1/reels/${reelId}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY_A}` } })).status).toBe(409);
  });

  it('answers 409 for an unfinished upload and 404 for an unknown one', async () => {
    const url = await createUpload(1000, 'half.mkv');
    const res = await submit({ upload: url.split('/').at(-1)! });
    expect(res.status).toBe(409);
    expect((await json(res)).detail).toMatch(/0 of 1000 bytes/);
    expect((await submit({ upload: 'f'.repeat(32) })).status).toBe(404);
    expect((await submit({ upload: '../../sources/x' })).status).toBe(404);
  });

  it("keeps tenants apart: another tenant can neither resume, read nor use an upload", async () => {
    const id = await uploadWhole(video, 'clip.mkv');
    const url = `${base}/v1/uploads/${id}`;
    expect((await offsetOf(url, KEY_B)).status).toBe(404);
    const patch = await fetch(url, {
      method: 'PATCH',
      headers: { ...TUS, authorization: `Bearer ${KEY_B}`, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: Buffer.from('overwrite'),
    });
    expect(patch.status).toBe(404);
    expect((await submit({ upload: id }, KEY_B)).status).toBe(404);
    expect(sha256(await store.getBuffer(tenantKeys('tenanta').upload(id)))).toBe(sha256(video));
    expect((await offsetOf(url, null as unknown as string)).status).toBe(401);
  });

  it('answers 413 at creation when the declared length is over the limit', async () => {
    const res = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: { ...TUS, authorization: `Bearer ${KEY_A}`, 'upload-length': String(4 * GIB) } });
    expect(res.status).toBe(413);
  });
});

describe('image sequences uploaded frame by frame', () => {
  const put = (url: string, body: Buffer, key = KEY_A) => fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${key}` }, body });

  it('takes each frame as its own PUT, makes a reel of the folder in place, and closes it to more frames', async () => {
    const created = await fetch(`${base}/v1/sequence-uploads`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}` } });
    expect(created.status).toBe(201);
    const { id, frameUrl } = await json(created);
    expect(frameUrl).toBe(`${base}/v1/sequence-uploads/${id}/frames/{name}`);
    const names = ['frame_0001.png', 'frame_0002.png', 'frame_0003.png'];
    for (const name of names) {
      const data = readFileSync(join(dir, 'seq', name));
      const res = await put(frameUrl.replace('{name}', name), data);
      expect(res.status).toBe(201);
      expect(await json(res)).toEqual({ name, size: data.length, sha256: sha256(data) });
    }
    // Another tenant cannot add to it; names that are not frames are refused.
    expect((await put(frameUrl.replace('{name}', 'frame_0004.png'), Buffer.from('x'), KEY_B)).status).toBe(404);
    expect((await put(frameUrl.replace('{name}', 'notes.txt'), Buffer.from('x'))).status).toBe(400);

    expect((await submit({ upload: id }, KEY_B)).status).toBe(404);
    const res = await submit({ upload: id });
    expect(res.status).toBe(202);
    const reelId = (await json(res)).id;
    const reel = await json(await fetch(`${base}/v1/reels/${reelId}`, { headers: { authorization: `Bearer ${KEY_A}` } }));
    const prefix = `${tenantKeys('tenanta').upload(id)}/`;
    expect(reel.source).toEqual({ type: 'sequence', prefix, frames: 3, size: expect.any(Number) });
    // The reel reads the folder in place: no more frames.
    expect((await put(frameUrl.replace('{name}', 'frame_0004.png'), Buffer.from('x'))).status).toBe(409);

    const purged = await fetch(`${base}/v1/reels/${reelId}?purge=true`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY_A}` } });
    expect(purged.status).toBe(200);
    expect(await storedKeys(prefix)).toEqual([]);
  });
});
