import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ComputeTasks } from './compute-tasks.js';

type TaskName = keyof ComputeTasks;
type Args<T extends TaskName> = Parameters<ComputeTasks[T]>[0];
type Result<T extends TaskName> = Awaited<ReturnType<ComputeTasks[T]>>;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}
interface Slot {
  worker: Worker;
  busy: boolean;
  taskId?: number;
}

// Source files run through tsx; a worker thread registers the loader itself (compute-thread-entry.mjs).
const threadUrl = new URL(import.meta.url.endsWith('.ts') ? './compute-thread-entry.mjs' : './compute-thread.js', import.meta.url);

/**
 * A small pool of worker threads for the numeric hot paths (detection, fill), so job locks keep being
 * renewed on the main thread while frames are processed. Tasks are named (compute-tasks.ts), so call
 * sites are typed end to end.
 */
export class ComputePool {
  private readonly slots: Slot[] = [];
  private readonly queue: { msg: unknown; transfer: ArrayBuffer[]; pending: Pending }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(readonly size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) this.slots.push(this.spawn());
  }

  run<T extends TaskName>(task: T, args: Args<T>, transfer: ArrayBuffer[] = []): Promise<Result<T>> {
    if (this.closed) return Promise.reject(new Error('compute pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ msg: { task, args }, transfer, pending: { resolve: resolve as (v: unknown) => void, reject } });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('compute pool closed'));
    for (const q of this.queue) q.pending.reject(new Error('compute pool closed'));
    this.queue.length = 0;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(threadUrl);
    const slot: Slot = { worker, busy: false };
    worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      slot.busy = false;
      if (p) (m.ok ? p.resolve(m.result) : p.reject(new Error(m.error ?? 'compute task failed')));
      this.pump();
    });
    worker.on('error', (err) => {
      // A crashed thread fails its task and is replaced, so one bad frame cannot stop the worker.
      const p = slot.taskId === undefined ? undefined : this.pending.get(slot.taskId);
      if (p && slot.taskId !== undefined) {
        this.pending.delete(slot.taskId);
        p.reject(err);
      }
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
      this.pump();
    });
    worker.unref();
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const item = this.queue.shift();
      if (!item) return;
      const id = this.nextId++;
      slot.busy = true;
      slot.taskId = id;
      this.pending.set(id, item.pending);
      slot.worker.postMessage({ id, ...(item.msg as object) }, item.transfer);
    }
  }
}
