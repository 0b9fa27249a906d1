import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../packages/shared/src/frames/probe-media.js';
import { startBreakingProxy } from './support/breaking-proxy.js';
import { writeFfv1Video, writePngSequence } from './support/clip-files.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../packages/cli/bin/reelrestore.js');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rr-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment of a user's shell: no REDIS_URL, so the CLI starts its own redis-server. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REDIS_URL;
  delete env.STORAGE_URL;
  delete env.VITEST;
  delete env.NODE_ENV;
  return env;
}

describe('npx reelrestore', () => {
  it('restores a folder of PNG frames locally: same names, masks/ with the same names, report.json', async () => {
    const clip = makeSyntheticClip({ width: 80, height: 60, frames: 8, channels: 1, bits: 16, seed: 31, shift: { x: 0.6, y: 0.1 }, damage: { specksPerFrame: 2, minRadius: 2, maxRadius: 4 } });
    const input = join(work, 'scan');
    const names = await writePngSequence(input, clip.layout, clip.damaged, 'reel1_');
    const out = join(work, 'restored');
    const { stdout } = await run(process.execPath, [BIN, 'restore', input, '--out', out, '--data', join(work, 'local'), '--quiet'], {
      env: userEnv(),
      timeout: 120_000,
    });
    expect(stdout).toMatch(/restored 8 frames/);
    expect(readdirSync(out).filter((n) => n.endsWith('.png')).sort()).toEqual(names);
    expect(readdirSync(join(out, 'masks')).sort()).toEqual(names);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.frames).toBe(8);
    expect(report.damagedPixels).toBeGreaterThan(0);
    expect(existsSync(join(out, 'preview.mp4'))).toBe(true);
    // 16-bit frames stay 16-bit.
    const { stdout: probe } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=pix_fmt', '-of', 'csv=p=0', join(out, names[0]!)]);
    expect(probe.trim()).toBe('gray16be');
  });

  it('submits a video to a running service with --api and --key, resuming an upload broken off twice, and downloads the result', async () => {
    let stack: TestStack | undefined;
    let proxy: Awaited<ReturnType<typeof startBreakingProxy>> | undefined;
    try {
      stack = await startTestStack();
      const clip = makeSyntheticClip({ width: 64, height: 48, frames: 6, channels: 3, bits: 8, seed: 8, damage: { specksPerFrame: 2 } });
      const src = join(work, 'reel2.mkv');
      await writeFfv1Video(src, clip.layout, clip.damaged);
      // The network drops the upload's first two PATCH requests part way through.
      proxy = await startBreakingProxy(stack.api.url, { breakAfterBytes: 8 * 1024, times: 2, marker: 'PATCH /v1/uploads/' });
      const out = join(work, 'remote');
      const { stderr } = await run(process.execPath, [BIN, 'restore', src, '--out', out, '--api', proxy.url, '--key', stack.keys.acme], { env: userEnv(), timeout: 120_000 });
      expect(proxy.breaks()).toBe(2);
      expect(stderr).toMatch(/upload interrupted .*resuming from the server's offset, try 1/);
      expect(stderr).toMatch(/uploading .* MB of .* MB at .* MB\/s/);
      const reel = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(reel.frames).toBe(6);
      const restored = join(out, 'reel2.restored.mkv');
      expect(await probeVideo(restored)).toMatchObject({ codec: 'ffv1', frameCount: 6 });
    } finally {
      await proxy?.close();
      await stack?.close();
    }
  });

  it('demo --serve keeps the service up with the demo reel for the console, and stops on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--out', join(work, 'demo'), '--serve'], { env: userEnv() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 240 && !out.includes('Press Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 500));
      const url = /console: (\S+)/.exec(out)?.[1];
      const key = /API key: (\S+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const list = (await (await fetch(`${url}v1/reels`, { headers: { authorization: `Bearer ${key}` } })).json()) as { reels: { state: string; truth?: boolean }[] };
      // With its known damage attached, so the console colours hits, false alarms and misses.
      expect(list.reels.map((r) => [r.state, r.truth])).toEqual([['completed', true]]);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);

  it('says what is wrong with a bad invocation', async () => {
    await expect(run(process.execPath, [BIN, 'restore', join(work, 'nope')], { env: userEnv() })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--out/),
    });
    await expect(run(process.execPath, [BIN, 'restore', join(work, 'missing-dir'), '--out', join(work, 'x')], { env: userEnv() })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/does not exist/),
    });
  });
});
