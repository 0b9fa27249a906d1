import { parentPort } from 'node:worker_threads';
import { setCancellationCheck } from './cancellation.js';
import { computeTasks, transferablesOf } from './compute-tasks.js';

parentPort?.on('message', async (m: { id: number; task: keyof typeof computeTasks; args: never; cancel?: Int32Array; progress?: Int32Array }) => {
  // One task at a time per thread: the flag (and the progress counter) are this task's until it answers.
  const { cancel: flag, progress } = m;
  setCancellationCheck(() => {
    if (progress) Atomics.add(progress, 0, 1);
    return flag ? Atomics.load(flag, 0) === 1 : false;
  });
  try {
    const result = await computeTasks[m.task](m.args);
    parentPort?.postMessage({ id: m.id, ok: true, result }, transferablesOf(result));
  } catch (err) {
    parentPort?.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
