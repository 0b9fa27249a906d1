import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { bearerMatches, exportQueueDepth, metricsRegistry } from '@reelrestore/shared/metrics/metrics';
import type { ApiDeps, App } from '../deps.js';
import { problemBody } from '../routes/reels/schemas.js';
import { sendProblem } from './error-handler.js';

/**
 * GET /metrics: Prometheus text, outside tenant auth (an operator's scraper has no tenant key), behind
 * METRICS_TOKEN when one is set. The API also exports the queues' depth (reelrestore_queue_jobs), read from
 * BullMQ at each scrape.
 */
export function metricsRoute(app: App, deps: ApiDeps): void {
  exportQueueDepth(deps.queues);
  app.addHook('onClose', async () => exportQueueDepth(null));
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics: queue depth, job durations, frames and pixels, failures, webhooks, process',
        description: 'Not behind the tenant API keys; with METRICS_TOKEN set, send it as `Authorization: Bearer <token>`.',
        tags: ['health'],
        security: [],
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
          401: problemBody.describe('METRICS_TOKEN is set and was not sent'),
        },
      },
    },
    async (request, reply) => {
      const token = deps.config.METRICS_TOKEN;
      if (token && !bearerMatches(request.headers.authorization, token)) {
        return sendProblem(reply as FastifyReply, 401, 'send the metrics token as "Authorization: Bearer <token>"');
      }
      return (reply as FastifyReply).header('content-type', metricsRegistry.contentType).header('cache-control', 'no-store').send(await metricsRegistry.metrics());
    },
  );
}
