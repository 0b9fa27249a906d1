import { parentPort } from 'node:worker_threads';
import { computeTasks, transferablesOf } from './compute-tasks.js';

parentPort?.on('message', async (m: { id: number; task: keyof typeof computeTasks; args: never }) => {
  try {
    const result = await computeTasks[m.task](m.args);
    parentPort?.postMessage({ id: m.id, ok: true, result }, transferablesOf(result));
  } catch (err) {
    parentPort?.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
