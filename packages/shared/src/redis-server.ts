import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A private, real `redis-server` on a free port: the CLI's embedded default when REDIS_URL is unset, and
 * every integration test's own Redis (tests never touch a shared one, and can stop and restart this one).
 * Append-only persistence in its own folder, so a restart keeps the queue.
 */
export class PrivateRedis {
  private proc: ChildProcess | null = null;
  private readonly dir: string;
  private readonly ownsDir: boolean;
  port = 0;

  constructor(opts: { dir?: string; port?: number } = {}) {
    this.ownsDir = !opts.dir;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'rr-redis-'));
    this.port = opts.port ?? 0;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    // A port found free can be taken by another process (another test file's Redis) before ours binds
    // it; ours then exits while the readiness ping is answered by the other one. So readiness means our
    // own process answers, and a lost port is retried on a new one (a restart keeps its fixed port).
    const autoPort = !this.port;
    for (let attempt = 1; ; attempt++) {
      if (autoPort && (attempt > 1 || !this.port)) this.port = await freePort();
      const failure = await this.spawnAndWait();
      if (failure === null) return this;
      if (!autoPort || attempt >= 5) throw new Error(`redis-server did not start on port ${this.port}: ${failure}`);
    }
  }

  /** Starts redis-server on this.port and waits until it answers as itself: null, or why it did not. */
  private async spawnAndWait(): Promise<string | null> {
    mkdirSync(this.dir, { recursive: true });
    const proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', this.dir, '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    this.proc = proc;
    const spawnError = new Promise<never>((_, reject) =>
      proc.once('error', (err) =>
        reject(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? new Error('redis-server is not installed: run `sudo apt-get install -y redis-server` (or set REDIS_URL)')
            : err,
        ),
      ),
    );
    spawnError.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const c = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => undefined);
      try {
        await Promise.race([c.connect(), spawnError]);
        const info = await c.info('server');
        c.disconnect();
        if (Number(/process_id:(\d+)/.exec(info)?.[1]) === proc.pid) return null;
        // Someone else's server answers on this port: ours failed to bind it.
        await this.stop();
        return 'another redis-server answers on it';
      } catch (err) {
        c.disconnect();
        if (err instanceof Error && err.message.startsWith('redis-server is not installed')) throw err;
        if (proc.exitCode !== null) {
          this.proc = null;
          return `it exited with code ${proc.exitCode}`;
        }
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port} within 10 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
