/**
 * The worker kinds as separate `node` processes against a stack's Redis and store, as a deployment runs
 * them: what the chaos test and the bench's chaos run kill and start again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Config } from '../../packages/shared/src/config.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const WORKER_KINDS = ['pipeline-worker', 'segment-worker', 'inpaint-worker'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

export class WorkerProcesses {
  private readonly procs = new Map<WorkerKind, ChildProcess>();
  constructor(
    private readonly config: Pick<Config, 'REDIS_URL' | 'STORAGE_URL'>,
    private readonly env: Record<string, string> = {},
  ) {}

  start(kind: WorkerKind): void {
    const env = { PATH: process.env.PATH, REDIS_URL: this.config.REDIS_URL, STORAGE_URL: this.config.STORAGE_URL, METRICS_PORT: '0', LOG_LEVEL: 'silent', ...this.env };
    this.procs.set(kind, spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services', kind, 'src/main.ts')], { cwd: ROOT, env, stdio: 'ignore' }));
  }

  startAll(): void {
    for (const kind of WORKER_KINDS) this.start(kind);
  }

  /** SIGKILL, then a fresh process of the same kind. */
  killAndRestart(kind: WorkerKind): void {
    this.procs.get(kind)?.kill('SIGKILL');
    this.start(kind);
  }

  stopAll(): void {
    for (const p of this.procs.values()) p.kill('SIGKILL');
  }
}
