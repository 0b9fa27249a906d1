import { FlowProducer, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobPayloads, QUEUES, type JobPayload, type QueueName } from './jobs.js';

export type Queues = { [Q in QueueName]: Queue<JobPayload<Q>> };

/** Retries with exponential backoff for transient faults; bad input is failed unrecoverably by the worker. */
export function defaultJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 7 * 86_400, count: 10_000 },
    removeOnFail: { age: 30 * 86_400 },
  };
}

export function openQueues(connection: Redis, prefix: string): Queues {
  const out = {} as Record<QueueName, Queue>;
  for (const name of QUEUES) out[name] = new Queue(name, { connection, prefix });
  return out as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/** The only way to add a job: the payload is validated against its queue's schema before it reaches Redis. */
export async function enqueue<Q extends QueueName>(
  queues: Queues,
  queue: Q,
  jobId: string,
  payload: JobPayload<Q>,
  opts: JobsOptions = {},
): Promise<void> {
  const data = jobPayloads[queue].parse(payload);
  await (queues[queue] as Queue).add(queue, data, { ...opts, jobId });
}

export function openFlowProducer(connection: Redis, prefix: string): FlowProducer {
  return new FlowProducer({ connection, prefix });
}
