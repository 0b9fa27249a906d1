/**
 * Downloads of completed reels over real HTTP: byte ranges, single restored frames and the output manifest,
 * on a local store and on s3rver. The reels are restored by the real pipeline (API, workers, a private
 * redis-server, ffmpeg) from tiny synthetic clips. Needs redis-server and ffmpeg on the PATH.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, tarOfFrames } from '../../../packages/cli/src/upload-body.js';
import { writeFfv1Video, writePngSequence } from '../../../test/support/clip-files.js';
import { startS3rver, type TestS3 } from '../../../test/support/s3-server.js';
import { startTestStack, type TestStack } from '../../../test/support/stack.js';
import { makeSyntheticClip } from '../../../test/support/synthetic-clip.js';

// The classical detector and fill: these tests are about the files a completed reel serves, not the models.
const FAST = { SEGMENTER: 'spike', INPAINTER: 'median' };
const FRAMES = 6;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let work: string;
let s3: TestS3;
let local: TestStack;
let onS3: TestStack;
let seqId: string;
let videoId: string;
let s3SeqId: string;
let frameNames: string[];

// Response bodies are untyped JSON; the assertions check their shape.
interface ManifestFile {
  name: string;
  role: string;
  size: number;
  sha256: string;
  contentType: string;
  frame?: number;
  url: string;
  presignedUrl?: string;
  presignedUrlExpiresAt?: string;
}
interface Manifest {
  reelId: string;
  kind: string;
  totalFiles: number;
  totalBytes: number;
  files: ManifestFile[];
  nextCursor?: string;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rr-outputs-'));
  s3 = await startS3rver();
  [local, onS3] = await Promise.all([startTestStack({ env: FAST }), startTestStack({ env: FAST, storageUrl: s3.url })]);

  const clip = (seed: number) =>
    makeSyntheticClip({ width: 64, height: 48, frames: FRAMES, channels: 1, bits: 8, seed, shift: { x: 0.5, y: 0 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  const seq = clip(5);
  frameNames = await writePngSequence(join(work, 'frames'), seq.layout, seq.damaged);
  const vid = clip(6);
  await writeFfv1Video(join(work, 'clip.mkv'), vid.layout, vid.damaged);

  const frameTar = () => multipartBody({}, { name: 'frames.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'frames'), frameNames) });
  [seqId, videoId, s3SeqId] = await Promise.all([
    local.client('acme').submit(frameTar()).then((r) => r.id),
    local.client('acme').submit(multipartBody({}, { name: 'clip.mkv', contentType: 'video/x-matroska', body: createReadStream(join(work, 'clip.mkv')) })).then((r) => r.id),
    onS3.client('acme').submit(frameTar()).then((r) => r.id),
  ]);
  const done = await Promise.all([
    local.waitFor(local.client('acme'), seqId),
    local.waitFor(local.client('acme'), videoId),
    onS3.waitFor(onS3.client('acme'), s3SeqId),
  ]);
  for (const reel of done) expect(reel, reel.error).toMatchObject({ state: 'completed' });
}, 120_000);

afterAll(async () => {
  await local?.close();
  await onS3?.close();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A GET (or other method) on the stack's API with acme's key; `path` may be an absolute URL from a manifest. */
function call(stack: TestStack, path: string, init: RequestInit = {}, key: string | null = stack.keys.acme): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(path.startsWith('http') ? path : stack.api.url + path, { ...init, headers, redirect: 'manual' });
}

async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

/** The whole manifest, following nextCursor. */
async function manifestOf(stack: TestStack, id: string, limit?: number): Promise<{ pages: Manifest[]; files: ManifestFile[] }> {
  const pages: Manifest[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ ...(limit ? { limit: String(limit) } : {}), ...(cursor ? { cursor } : {}) });
    const res = await call(stack, `/v1/reels/${id}/output/manifest?${query}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Manifest;
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 100);
  return { pages, files: pages.flatMap((p) => p.files) };
}

async function untar(data: Buffer): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      entries.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  const finished = new Promise<void>((resolve, reject) => extract.on('finish', resolve).on('error', reject));
  Readable.from([data]).pipe(extract);
  await finished;
  return entries;
}

describe('byte ranges', () => {
  it('answers a whole download with Accept-Ranges and one range with 206 and exactly those bytes', async () => {
    const path = `/v1/reels/${videoId}/output`;
    const full = await call(local, path);
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    const video = await bytesOf(full);
    const size = video.length;
    expect(Number(full.headers.get('content-length'))).toBe(size);
    expect(size).toBeGreaterThan(200);

    const cases: [string, number, number][] = [
      ['bytes=10-99', 10, 99], // a closed range
      [`bytes=${size - 40}-`, size - 40, size - 1], // open to the end
      ['bytes=-25', size - 25, size - 1], // the last 25 bytes
      [`bytes=-${size + 1000}`, 0, size - 1], // a suffix longer than the file is all of it
      [`bytes=100-${size + 1000}`, 100, size - 1], // the last position is clipped to the end
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1], // the last byte alone
    ];
    for (const [range, start, end] of cases) {
      const res = await call(local, path, { headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(Number(res.headers.get('content-length')), range).toBe(end - start + 1);
      expect((await bytesOf(res)).equals(video.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers a range that starts past the end with a 416 problem naming the size', async () => {
    const path = `/v1/reels/${videoId}/output`;
    const size = (await bytesOf(await call(local, path))).length;
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const res = await call(local, path, { headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range'), range).toBe(`bytes */${size}`);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { type: string; status: number; detail: string };
      expect(problem.type).toBe('urn:reelrestore:problem:range-not-satisfiable');
      expect(problem.status).toBe(416);
      expect(problem.detail).toContain(String(size));
    }
  });

  it('answers several disjoint ranges, a malformed header, another unit or If-Range with the whole file', async () => {
    const path = `/v1/reels/${videoId}/output`;
    const video = await bytesOf(await call(local, path));
    const asked: Record<string, string>[] = [{ range: 'bytes=0-9, 50-59' }, { range: 'bytes=ten-twenty' }, { range: 'lines=1-2' }, { range: 'bytes=0-9', 'if-range': '"some-etag"' }];
    for (const headers of asked) {
      const res = await call(local, path, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect((await bytesOf(res)).equals(video)).toBe(true);
    }
  });

  it('serves ranges of the preview, the report, a mask and a restored frame', async () => {
    const paths = [
      `/v1/reels/${videoId}/preview`,
      `/v1/reels/${videoId}/report`,
      `/v1/reels/${videoId}/masks/2`,
      `/v1/reels/${seqId}/output/frames/${frameNames[1]}`,
      `/v1/reels/${seqId}/masks/0`,
    ];
    for (const path of paths) {
      const whole = await bytesOf(await call(local, path));
      const size = whole.length;
      const [start, end] = [1, Math.floor(size / 2)];
      const res = await call(local, path, { headers: { range: `bytes=${start}-${end}` } });
      expect(res.status, path).toBe(206);
      expect(res.headers.get('content-range'), path).toBe(`bytes ${start}-${end}/${size}`);
      expect((await bytesOf(res)).equals(whole.subarray(start, end + 1)), path).toBe(true);
      const tail = await call(local, path, { headers: { range: 'bytes=-7' } });
      expect((await bytesOf(tail)).equals(whole.subarray(size - 7)), path).toBe(true);
      const past = await call(local, path, { headers: { range: `bytes=${size}-` } });
      expect(past.status, path).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    }
  });

  it('answers HEAD with the length and Accept-Ranges but no body; the frame tar advertises no ranges', async () => {
    const path = `/v1/reels/${videoId}/output`;
    const size = (await bytesOf(await call(local, path))).length;
    const head = await call(local, path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(size);
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect((await bytesOf(head)).length).toBe(0);

    const tarRes = await call(local, `/v1/reels/${seqId}/output`, { headers: { range: 'bytes=0-9' } });
    expect(tarRes.status).toBe(200);
    expect(tarRes.headers.get('accept-ranges')).toBe('none');
    await tarRes.arrayBuffer();
  });
});

describe('restored frames one by one', () => {
  it('serves each restored frame of a sequence, the same bytes as in the whole-sequence tar', async () => {
    const tarred = await untar(await bytesOf(await call(local, `/v1/reels/${seqId}/output`)));
    expect([...tarred.keys()].sort()).toEqual([...frameNames].sort());
    for (const name of frameNames) {
      const res = await call(local, `/v1/reels/${seqId}/output/frames/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('content-disposition')).toContain(name);
      expect((await bytesOf(res)).equals(tarred.get(name)!), name).toBe(true);
    }
  });

  it('answers 404 for a frame that is not there or on a video reel, 400 for a name that is not a file name, 404 to another tenant', async () => {
    const missing = await call(local, `/v1/reels/${seqId}/output/frames/frame_9999.png`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toContain('frame_9999.png');
    expect((await call(local, `/v1/reels/${videoId}/output/frames/${frameNames[0]}`)).status).toBe(404);
    for (const bad of ['..%2Fplan.json', '.hidden', '%2Fetc%2Fpasswd']) {
      expect((await call(local, `/v1/reels/${seqId}/output/frames/${bad}`)).status, bad).toBe(400);
    }
    expect((await call(local, `/v1/reels/${seqId}/output/frames/${frameNames[0]}`, {}, local.keys.beta)).status).toBe(404);
  });
});

describe('the output manifest', () => {
  it('lists every output of a sequence reel with sizes and SHA-256s that match the downloads', async () => {
    const { pages, files } = await manifestOf(local, seqId);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ reelId: seqId, kind: 'sequence', totalFiles: files.length });
    const byRole = (role: string) => files.filter((f) => f.role === role);
    expect(byRole('frame').map((f) => f.name).sort()).toEqual(frameNames.map((n) => `frames/${n}`).sort());
    expect(byRole('mask').map((f) => f.frame)).toEqual([...Array(FRAMES).keys()]);
    expect(byRole('preview')).toHaveLength(1);
    expect(byRole('report')).toHaveLength(1);
    expect(files).toHaveLength(2 * FRAMES + 2);
    expect(new Set(files.map((f) => f.name)).size).toBe(files.length);

    let total = 0;
    for (const f of files) {
      expect(f.url.startsWith(`${local.api.url}/v1/reels/${seqId}/`), f.url).toBe(true);
      expect(f.presignedUrl).toBeUndefined(); // a local store makes none
      const res = await call(local, f.url);
      expect(res.status, f.name).toBe(200);
      expect(res.headers.get('content-type'), f.name).toContain(f.contentType);
      const body = await bytesOf(res);
      expect(body.length, f.name).toBe(f.size);
      expect(sha256(body), f.name).toBe(f.sha256);
      total += body.length;
    }
    expect(pages[0]!.totalBytes).toBe(total);
    // The report is the report.
    const report = files.find((f) => f.role === 'report')!;
    expect(JSON.parse((await bytesOf(await call(local, report.url))).toString('utf8'))).toMatchObject({ reelId: seqId, frames: FRAMES });
  });

  it('lists the restored video of a video reel, whose hash matches the file the output route serves', async () => {
    const { files } = await manifestOf(local, videoId);
    const video = files.filter((f) => f.role === 'video');
    expect(video).toHaveLength(1);
    expect(video[0]).toMatchObject({ url: `${local.api.url}/v1/reels/${videoId}/output`, contentType: 'video/x-matroska' });
    const served = await bytesOf(await call(local, `/v1/reels/${videoId}/output`));
    expect(served.length).toBe(video[0]!.size);
    expect(sha256(served)).toBe(video[0]!.sha256);
    expect(files.filter((f) => f.role === 'mask')).toHaveLength(FRAMES);
    expect(files.map((f) => f.role)).toEqual(['video', 'preview', 'report', ...Array(FRAMES).fill('mask')]);
  });

  it('pages with limit and nextCursor, every file once', async () => {
    const whole = (await manifestOf(local, seqId)).files.map((f) => f.name);
    const { pages, files } = await manifestOf(local, seqId, 5);
    expect(pages).toHaveLength(Math.ceil(whole.length / 5));
    expect(pages.slice(0, -1).every((p) => p.files.length === 5)).toBe(true);
    expect(pages.every((p) => p.totalFiles === whole.length)).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBeUndefined();
    expect(files.map((f) => f.name)).toEqual(whole);
    expect((await call(local, `/v1/reels/${seqId}/output/manifest?cursor=9999`)).status).toBe(400);
    expect((await call(local, `/v1/reels/${seqId}/output/manifest?limit=0`)).status).toBe(400);
    expect((await call(local, `/v1/reels/${seqId}/output/manifest?limit=1001`)).status).toBe(400);
  });

  it('is documented in the OpenAPI document, with 206 and 416 on downloads', async () => {
    const doc = (await (await call(local, '/docs/json', {}, null)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/v1/reels/{id}/output/manifest']!.get!.responses)).toContain('200');
    for (const path of ['/v1/reels/{id}/output', '/v1/reels/{id}/output/frames/{name}', '/v1/reels/{id}/preview', '/v1/reels/{id}/report', '/v1/reels/{id}/masks/{frame}']) {
      expect(Object.keys(doc.paths[path]!.get!.responses), path).toEqual(expect.arrayContaining(['200', '206', '416']));
    }
  });
});

describe('on an S3 store', () => {
  it('gives every output a presigned URL that fetches the right bytes without the API key', async () => {
    const { files } = await manifestOf(onS3, s3SeqId);
    expect(files).toHaveLength(2 * FRAMES + 2);
    for (const f of files) {
      expect(f.presignedUrl?.startsWith(s3.endpoint), f.name).toBe(true);
      const expires = Date.parse(f.presignedUrlExpiresAt ?? '');
      expect(expires - Date.now(), f.name).toBeGreaterThan(30 * 60_000);
      const res = await fetch(f.presignedUrl!);
      expect(res.status, f.name).toBe(200);
      const body = await bytesOf(res);
      expect(body.length, f.name).toBe(f.size);
      expect(sha256(body), f.name).toBe(f.sha256);
    }
  });

  it('serves byte ranges from S3 through the API', async () => {
    const { files } = await manifestOf(onS3, s3SeqId);
    const frame = files.find((f) => f.role === 'frame')!;
    const whole = await bytesOf(await fetch(frame.presignedUrl!));
    const res = await call(onS3, frame.url, { headers: { range: 'bytes=8-40' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 8-40/${frame.size}`);
    expect((await bytesOf(res)).equals(whole.subarray(8, 41))).toBe(true);
    expect((await call(onS3, frame.url, { headers: { range: `bytes=${frame.size}-` } })).status).toBe(416);
  });
});

// The stored manifest is what an archive reads straight from the bucket; it says the same as the API.
describe('manifest.json in the store', () => {
  it('is written beside the report and lists the same files', async () => {
    const stored = JSON.parse((await local.deps.store.getBuffer(`reels/${seqId}/manifest.json`)).toString('utf8')) as { files: { name: string; sha256: string }[] };
    const { files } = await manifestOf(local, seqId);
    expect(stored.files.map((f) => [f.name, f.sha256])).toEqual(files.map((f) => [f.name, f.sha256]));
  });
});

describe('reels completed before manifests existed', () => {
  it('answer 404 for the manifest and still serve their files', async () => {
    const rec = await local.deps.reels.get(videoId);
    const { manifest, ...older } = rec!.outputs!;
    expect(manifest).toBeDefined();
    await local.deps.reels.setOutputs(videoId, older);
    const res = await call(local, `/v1/reels/${videoId}/output/manifest`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/before output manifests/);
    expect((await call(local, `/v1/reels/${videoId}/output`, { headers: { range: 'bytes=0-3' } })).status).toBe(206);
  });
});
