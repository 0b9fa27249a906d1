import type { ExternalSources } from '../storage/external-sources.js';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { JobPayload, JobResults, QueueName } from '../jobs.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../queues.js';
import type { ReelStore } from '../reels/reel-store.js';
import type { ObjectStore } from '../storage/storage.js';

/** What every job handler gets: its validated payload, a logger carrying reel and job ids, and the shared services. */
export interface JobContext {
  config: Config;
  redis: Redis;
  store: ObjectStore;
  sources: ExternalSources;
  reels: ReelStore;
  queues: Queues;
  log: Logger;
  job: Job;
  /** Aborted when the process shuts down, so long loops stop between frames. */
  signal: AbortSignal;
}

export type JobHandler<Q extends QueueName> = (payload: JobPayload<Q>, ctx: JobContext) => Promise<JobResults[Q]>;

/** A typed map: a handler registered for queue Q must take Q's payload and return Q's result. */
export type JobHandlers = { [Q in QueueName]: JobHandler<Q> };
