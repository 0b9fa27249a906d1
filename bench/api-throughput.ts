/**
 * What the API costs an ingest system on the wire: the same bytes uploaded (multipart POST, and one tus
 * PATCH), and downloaded (the restored-video route), through the real API on loopback into a local store,
 * beside a plain stream copy of the file on the same disk. MB are 10^6 bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Redis } from 'ioredis';
import { buildApp } from '@reelrestore/api/app';
import { loadConfig } from '@reelrestore/shared/config';
import { newReelId } from '@reelrestore/shared/ids';
import { closeQueues, openQueues } from '@reelrestore/shared/queues';
import { PrivateRedis } from '@reelrestore/shared/redis-server';
import { ReelStore } from '@reelrestore/shared/reels/reel-store';
import { reelKeys, tenantKeys } from '@reelrestore/shared/storage/keys';
import { LocalStore } from '@reelrestore/shared/storage/local-store';

export interface ApiThroughput {
  bytes: number;
  plain_copy_mb_s: number;
  multipart_upload_mb_s: number;
  tus_upload_mb_s: number;
  download_mb_s: number;
}

const KEY = 'rr_bench_throughput_key';
const mbPerSecond = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

export async function measureApiThroughput(bytes: number): Promise<ApiThroughput> {
  const dir = await mkdtemp(join(tmpdir(), 'rr-bench-api-'));
  const redisServer = await new PrivateRedis({ dir: join(dir, 'redis') }).start();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const queues = openQueues(redis, 'benchapi');
  const store = new LocalStore(join(dir, 'store'));
  const config = loadConfig({
    REDIS_URL: redisServer.url,
    QUEUE_PREFIX: 'benchapi',
    STORAGE_URL: `file://${join(dir, 'store')}`,
    API_KEYS: `bench:${createHash('sha256').update(KEY).digest('hex')}`,
    MAX_UPLOAD_BYTES: String(bytes * 2),
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
    // The client shares this process: its own pauses (reading 256 MiB into a form) are not load on the
    // server, and the pressure guard answered 503 to them.
    API_MAX_EVENT_LOOP_DELAY_MS: '0',
  });
  const app = await buildApp({ config, redis, store, queues });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const auth = { authorization: `Bearer ${KEY}` };
  try {
    const file = join(dir, 'reel.mkv');
    await writeSample(file, bytes);

    let t0 = performance.now();
    await pipeline(createReadStream(file), createWriteStream(join(dir, 'copy.mkv')));
    const plainMs = performance.now() - t0;
    await rm(join(dir, 'copy.mkv'));

    // One multipart POST, as a small-file client sends it.
    const form = new FormData();
    form.append('file', new Blob([await readFile(file)], { type: 'video/x-matroska' }), 'reel.mkv');
    t0 = performance.now();
    const posted = await fetch(`${base}/v1/reels`, { method: 'POST', headers: auth, body: form });
    const multipartMs = performance.now() - t0;
    if (posted.status !== 202) throw new Error(`multipart upload answered ${posted.status}: ${await posted.text()}`);

    // tus: create, then the whole file in one PATCH streamed from disk.
    t0 = performance.now();
    const created = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-length': String(bytes) } });
    const location = created.headers.get('location');
    if (created.status !== 201 || !location) throw new Error(`tus creation answered ${created.status}`);
    const patched = await fetch(location, {
      method: 'PATCH',
      headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: Readable.toWeb(createReadStream(file)) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
    const tusMs = performance.now() - t0;
    if (patched.status !== 204) throw new Error(`tus PATCH answered ${patched.status}`);

    // The download route of a completed reel whose output is those bytes.
    const uploadKey = tenantKeys('bench').upload(location.split('/').at(-1)!);
    const id = newReelId();
    const reels = new ReelStore(redis, config.QUEUE_PREFIX);
    const size = (await stat(file)).size;
    await reels.create({ id, tenantId: 'bench', source: { type: 'video', key: uploadKey, fileName: 'reel.mkv', size }, options: { chunkFrames: 32, outputFormat: 'ffv1' } });
    const keys = reelKeys(id);
    await reels.setOutputs(id, { kind: 'video', output: uploadKey, outputName: 'reel.restored.mkv', preview: keys.preview, report: keys.report, maskPrefix: keys.maskPrefix });
    await reels.transition(id, 'completed');
    t0 = performance.now();
    const res = await fetch(`${base}/v1/reels/${id}/output`, { headers: auth });
    let received = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
    const downloadMs = performance.now() - t0;
    if (received !== bytes) throw new Error(`the download gave ${received} bytes of ${bytes}`);

    return {
      bytes,
      plain_copy_mb_s: mbPerSecond(bytes, plainMs),
      multipart_upload_mb_s: mbPerSecond(bytes, multipartMs),
      tus_upload_mb_s: mbPerSecond(bytes, tusMs),
      download_mb_s: mbPerSecond(bytes, downloadMs),
    };
  } finally {
    // fetch keeps its connections alive; the server would wait for them before closing.
    app.server.closeAllConnections();
    await app.close();
    await closeQueues(queues).catch(() => undefined);
    redis.disconnect();
    await redisServer.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Random bytes (a 1 MiB block, each copy numbered) behind a Matroska signature, so the API takes it for a video. */
async function writeSample(path: string, bytes: number): Promise<void> {
  const block = randomBytes(1024 * 1024);
  const out = createWriteStream(path);
  async function* blocks() {
    for (let at = 0, i = 0; at < bytes; at += block.length, i++) {
      const b = Buffer.from(block.subarray(0, Math.min(block.length, bytes - at)));
      if (b.length >= 8) b.writeUInt32BE(i, 4);
      if (at === 0) Buffer.from([0x1a, 0x45, 0xdf, 0xa3]).copy(b);
      yield b;
    }
  }
  await pipeline(Readable.from(blocks()), out);
}
