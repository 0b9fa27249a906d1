/**
 * Cancellation inside a compute thread. A frame's numeric work cannot be stopped from outside (terminating a
 * thread in the middle of an onnxruntime call takes the whole process down), so long tasks call
 * cancellationPoint() between tiles, and the pool raises the task's flag when its caller gives up.
 * Outside a compute thread, or for a task started without a signal, it never throws. A caller that passed a
 * progress counter to ComputePool.run sees it count the points the task has passed (tiles, batches).
 */
let cancelled: () => boolean = () => false;

/** Set by the compute thread for the task it runs (compute-thread.ts). */
export function setCancellationCheck(check: () => boolean): void {
  cancelled = check;
}

export function cancellationPoint(): void {
  if (cancelled()) throw new Error('the task was cancelled');
}
