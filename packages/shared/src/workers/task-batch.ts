/**
 * Keeps at most `limit` frame tasks in flight. Waiting settles every task before rethrowing the first
 * error, so a failing frame never leaves a stray rejection behind to crash the process.
 */
export class TaskBatch {
  private tasks: Promise<unknown>[] = [];
  constructor(private readonly limit: number) {}

  /** Adds a task; when the batch is full, waits for it to empty and then runs `between` (a cancel check). */
  async add(task: Promise<unknown>, between?: () => Promise<void>): Promise<void> {
    this.tasks.push(task);
    if (this.tasks.length >= this.limit) {
      await this.drain();
      await between?.();
    }
  }

  async drain(): Promise<void> {
    const results = await Promise.allSettled(this.tasks.splice(0));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
