import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ComputeTasks } from './compute-tasks.js';

type TaskName = keyof ComputeTasks;
type Args<T extends TaskName> = Parameters<ComputeTasks[T]>[0];
type Result<T extends TaskName> = Awaited<ReturnType<ComputeTasks[T]>>;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal | undefined;
  /** Raised (1) when the caller gives up; the task stops at its next cancellation point (cancellation.ts). */
  cancel?: Int32Array | undefined;
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

  /**
   * Runs a task on a free thread. With `signal`, an abort (the reel cancelled, the worker's deadline) rejects
   * at once: a queued task is dropped, a running one has its flag raised and stops at its next cancellation
   * point (between tiles), its thread then free for the next task. With `progress` (an Int32Array over a
   * SharedArrayBuffer), the thread adds 1 to its first element at each cancellation point it passes.
   */
  run<T extends TaskName>(
    task: T,
    args: Args<T>,
    transfer: ArrayBuffer[] = [],
    signal?: AbortSignal,
    opts: { progress?: Int32Array } = {},
  ): Promise<Result<T>> {
    if (this.closed) return Promise.reject(new Error('compute pool is closed'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const cancel = signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
      // The listener goes when the task settles: a chunk runs hundreds of tasks on one signal.
      const onAbort = () => this.abort(item);
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const pending: Pending = {
        resolve: (v) => {
          settle();
          resolve(v as Result<T>);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
        signal,
        cancel,
      };
      const item = { msg: { task, args, cancel, progress: opts.progress }, transfer, pending };
      this.queue.push(item);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  private abort(item: { pending: Pending }): void {
    const queued = this.queue.indexOf(item as (typeof this.queue)[number]);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      item.pending.reject(abortError(item.pending.signal));
      return;
    }
    const slot = this.slots.find((s) => s.taskId !== undefined && this.pending.get(s.taskId) === item.pending);
    if (!slot || slot.taskId === undefined) return;
    // The thread answers once it reaches a cancellation point; nobody waits for that answer any more.
    this.pending.delete(slot.taskId);
    if (item.pending.cancel) Atomics.store(item.pending.cancel, 0, 1);
    item.pending.reject(abortError(item.pending.signal));
  }

  /**
   * Stops the threads. Running tasks are told to stop and given until their next cancellation point (at most
   * `graceMs`): terminating a thread inside an onnxruntime call would take the whole process down.
   */
  async close(graceMs = 30_000): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) {
      if (p.cancel) Atomics.store(p.cancel, 0, 1);
      p.reject(new Error('compute pool closed'));
    }
    for (const q of this.queue) q.pending.reject(new Error('compute pool closed'));
    this.queue.length = 0;
    const deadline = Date.now() + graceMs;
    while (this.slots.some((s) => s.busy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
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
      let item = this.queue.shift();
      // A task whose caller gave up while it waited is dropped, not run.
      while (item?.pending.signal?.aborted) {
        item.pending.reject(abortError(item.pending.signal));
        item = this.queue.shift();
      }
      if (!item) return;
      const id = this.nextId++;
      slot.busy = true;
      slot.taskId = id;
      this.pending.set(id, item.pending);
      slot.worker.postMessage({ id, ...(item.msg as object) }, item.transfer);
    }
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('the task was aborted', 'AbortError');
}
