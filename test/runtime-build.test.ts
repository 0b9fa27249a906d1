/**
 * The images run compiled JavaScript, not TypeScript through tsx (Dockerfile). This builds it as the image
 * build does (tsc -p tsconfig.build.json, scripts/assemble-runtime.sh), then runs the API and every worker
 * kind from the compiled files alone, in separate processes with plain `node`, and restores a clip through them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../packages/cli/src/api-client.js';
import { multipartBody } from '../packages/cli/src/upload-body.js';
import { writeFfv1Video } from './support/clip-files.js';
import { TestRedis } from './support/redis-server.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

const ROOT = resolve(import.meta.dirname, '..');
const KEY = 'rr_runtime_build_key_0123456789';
let work: string;
let app: string;
/** The layout of the API's and pipeline worker's images: no onnxruntime-node (Dockerfile, runtime-light). */
let appLight: string;
let redis: TestRedis;
const children: ChildProcess[] = [];

/**
 * The image installs its node_modules; here the repo's are linked in, the workspaces pointing at the compiled
 * copies, less the packages `without` names (as the API's and pipeline worker's images leave them out).
 */
function linkNodeModules(target: string, without: string[] = []): void {
  const src = join(ROOT, 'node_modules');
  mkdirSync(join(target, 'node_modules', '@reelrestore'), { recursive: true });
  for (const name of readdirSync(src)) if (name !== '@reelrestore' && !without.includes(name)) symlinkSync(join(src, name), join(target, 'node_modules', name));
  for (const name of readdirSync(join(src, '@reelrestore'))) symlinkSync(readlinkSync(join(src, '@reelrestore', name)), join(target, 'node_modules', '@reelrestore', name));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function start(service: string, env: Record<string, string>): { log: () => string } {
  let log = '';
  const dir = service === 'api' || service === 'pipeline-worker' ? appLight : app;
  const child = spawn(process.execPath, [join(dir, 'services', service, 'src/main.js')], { cwd: dir, env: { PATH: process.env.PATH, ...env } });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  children.push(child);
  return { log: () => log };
}

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rr-runtime-'));
  app = join(work, 'app');
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(work, 'build')], { cwd: ROOT });
  execFileSync('bash', ['scripts/assemble-runtime.sh', join(work, 'build'), app], { cwd: ROOT });
  linkNodeModules(app);
  symlinkSync(join(ROOT, 'models'), join(app, 'models'));
  // npm test builds the console before the tests; the image copies console/dist to the same place.
  mkdirSync(join(app, 'console'));
  symlinkSync(join(ROOT, 'console/dist'), join(app, 'console/dist'));
  appLight = join(work, 'app-light');
  execFileSync('bash', ['scripts/assemble-runtime.sh', join(work, 'build'), appLight], { cwd: ROOT });
  linkNodeModules(appLight, ['onnxruntime-node']);
  mkdirSync(join(appLight, 'console'));
  symlinkSync(join(ROOT, 'console/dist'), join(appLight, 'console/dist'));
  redis = await new TestRedis().start();
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('the compiled services', () => {
  it('hold no TypeScript, and restore a clip as separate node processes', { timeout: 150_000 }, async () => {
    const ts = execFileSync('find', [app, '-path', `${app}/node_modules`, '-prune', '-o', '-name', '*.ts', '-print'], { encoding: 'utf8' }).trim();
    expect(ts).toBe('');

    const port = await freePort();
    const env = {
      REDIS_URL: redis.url,
      STORAGE_URL: `file://${join(work, 'store')}`,
      API_KEYS: `acme:${createHash('sha256').update(KEY).digest('hex')}`,
      LOG_LEVEL: 'info',
      COMPUTE_THREADS: '1',
      CHUNK_FRAMES: '8',
    };
    const api = start('api', { ...env, HOST: '127.0.0.1', PORT: String(port) });
    const workers = await Promise.all(['pipeline-worker', 'segment-worker', 'inpaint-worker'].map(async (s) => ({ s, port: await freePort() })));
    for (const w of workers) start(w.s, { ...env, METRICS_HOST: '127.0.0.1', METRICS_PORT: String(w.port) });

    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/readyz`)).ok, `the API (${api.log()})`);
    for (const w of workers) await until(async () => (await fetch(`http://127.0.0.1:${w.port}/readyz`)).ok, `${w.s}'s readiness`);

    const clip = makeSyntheticClip({ width: 96, height: 64, frames: 10, channels: 1, bits: 8, seed: 8, shift: { x: 0.5, y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
    const file = join(work, 'clip.mkv');
    await writeFfv1Video(file, clip.layout, clip.damaged);
    const client = new ApiClient(base, KEY);
    const { id } = await client.submit(multipartBody({}, { name: 'clip.mkv', contentType: 'video/x-matroska', body: createReadStream(file) }));
    let state = '';
    await until(async () => ['completed', 'failed'].includes((state = (await client.status(id)).state)), 'the reel', 120_000);
    expect((await client.status(id)).error).toBeUndefined();
    expect(state).toBe('completed');
    // The learned models ran from the compiled workers: their versions are in each worker's metrics.
    const seg = await (await fetch(`http://127.0.0.1:${workers[1]!.port}/metrics`)).text();
    expect(seg).toMatch(/reelrestore_model_info\{[^}]*model="segment-unet"/);
    expect(seg).toMatch(/reelrestore_frames_total\{[^}]*stage="segment"[^}]*\} 10/);
    // The API finds the console where the image puts it.
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});
