import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';
import { QUEUES } from '../jobs.js';
import type { Queues } from '../queues.js';
import { sameSecret } from '../secrets.js';

/**
 * The Prometheus series every process exports (prom-client's default registry): the API at GET /metrics,
 * each worker on its METRICS_PORT (metrics-server.ts). Names start with `reelrestore_`; prom-client's
 * process series (memory, CPU, event loop lag) come with them. The README's operations section lists them.
 */
export const metrics = {
  jobDuration: new Histogram({
    name: 'reelrestore_job_duration_seconds',
    help: 'Time a job ran on this worker, by queue and outcome (completed, failed, skipped)',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  }),
  jobFailures: new Counter({
    name: 'reelrestore_job_failures_total',
    help: 'Failed job attempts, by queue and reason: bad_input (failed for good at once), transient (retried), final (no attempts left)',
    labelNames: ['queue', 'reason'] as const,
  }),
  frames: new Counter({ name: 'reelrestore_frames_total', help: 'Frames segmented or inpainted by this worker', labelNames: ['stage'] as const }),
  pixels: new Counter({ name: 'reelrestore_pixels_total', help: 'Frame pixels segmented or inpainted by this worker', labelNames: ['stage'] as const }),
  damagePixels: new Counter({
    name: 'reelrestore_damage_pixels_total',
    help: 'Pixels found damaged (segment) or repainted (inpaint) by this worker',
    labelNames: ['stage'] as const,
  }),
  framesPerSecond: new Gauge({ name: 'reelrestore_worker_frames_per_second', help: 'Frames per second of the last chunk this worker finished', labelNames: ['stage'] as const }),
  webhookDeliveries: new Counter({
    name: 'reelrestore_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, failed (retried), gave_up',
    labelNames: ['outcome'] as const,
  }),
  inferenceDevice: new Gauge({ name: 'reelrestore_inference_device', help: '1 for the device a stage runs its model on (cpu or cuda)', labelNames: ['stage', 'device'] as const }),
  modelInfo: new Gauge({ name: 'reelrestore_model_info', help: '1 per model file in use; version is the first 12 hex digits of its SHA-256', labelNames: ['stage', 'model', 'version'] as const }),
};

let processMetrics = false;

/** Names the process in every series (service="api", "segment-worker", …) and adds prom-client's process metrics (memory, CPU, event loop). */
export function startProcessMetrics(service: string): void {
  register.setDefaultLabels({ service });
  if (!processMetrics) collectDefaultMetrics();
  processMetrics = true;
}

/** Whether an Authorization header carries `Bearer <token>`; compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  return sameSecret(header ?? '', `Bearer ${token}`);
}

let queueSource: Queues | null = null;
const queueStates = ['waiting', 'active', 'delayed', 'failed', 'waiting-children', 'prioritized'] as const;

/**
 * `reelrestore_queue_jobs{queue, state}`, read from BullMQ at each scrape. One process exports it (the API),
 * so a sum over the fleet does not count a queue twice.
 */
export function exportQueueDepth(queues: Queues | null): void {
  queueSource = queues;
  if (register.getSingleMetric('reelrestore_queue_jobs')) return;
  new Gauge({
    name: 'reelrestore_queue_jobs',
    help: 'Jobs per queue and state, as BullMQ counts them',
    labelNames: ['queue', 'state'] as const,
    async collect() {
      this.reset();
      if (!queueSource) return;
      const source = queueSource;
      await Promise.all(
        QUEUES.map(async (queue) => {
          const counts = await source[queue].getJobCounts(...queueStates);
          for (const state of queueStates) this.set({ queue, state }, counts[state] ?? 0);
        }),
      );
    },
  });
}

export async function modelVersion(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 12);
}

/** The model a stage loaded, with its version, and the device it runs on. */
export async function reportModel(stage: 'segment' | 'inpaint', model: string, path: string, device: 'cpu' | 'cuda'): Promise<void> {
  metrics.modelInfo.set({ stage, model, version: await modelVersion(path) }, 1);
  // Only this stage's series: a process that runs both stages (the CLI) reports each one's device.
  for (const other of ['cpu', 'cuda'] as const) metrics.inferenceDevice.remove({ stage, device: other });
  metrics.inferenceDevice.set({ stage, device }, 1);
}

export { register as metricsRegistry };
