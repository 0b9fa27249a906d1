/**
 * Keeps up to `limit` frame tasks in flight, starting the next as soon as any one finishes. TaskBatch
 * (workers/task-batch.ts) waits for a whole batch instead: with frames that take 0.4 to 1 s each, a compute
 * thread then sat idle until the slowest of its batch was done, and no frame was decoded meanwhile.
 * Like TaskBatch, a failure is rethrown only once every task has settled, so a failing frame never leaves
 * a stray rejection behind to crash the process.
 */
export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {}

  /** Adds a task; while `limit` are running, waits for one to finish and then runs `between` (a cancel check). */
  async add(task: Promise<unknown>, between?: () => Promise<void>): Promise<void> {
    const settled: Promise<void> = task.then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
    const tracked = settled.then(() => void this.running.delete(tracked));
    this.running.add(tracked);
    if (this.running.size >= Math.max(1, this.limit)) {
      await Promise.race(this.running);
      if (!this.failure) await between?.();
    }
    if (this.failure) await this.drain();
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }
}
