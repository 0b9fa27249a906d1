import helmet from '@fastify/helmet';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { OverloadedError } from './error-handler.js';

/** Seconds a client is told to wait when the process is overloaded. */
const PRESSURE_RETRY_AFTER = 10;

/**
 * What every answer carries, and what the process refuses under load:
 * - security headers (helmet): no MIME sniffing, no framing, no referrer, same-origin resources, and a
 *   content security policy that lets the console load only its own files and the images it makes
 *   (blob: URLs); API answers are `Cache-Control: no-store` unless a route says otherwise (frame images);
 * - back-pressure (under-pressure): while the event loop lags more than API_MAX_EVENT_LOOP_DELAY_MS, requests
 *   get 503 with Retry-After instead of piling up, except the liveness probe, which must not get a busy pod restarted.
 */
export async function registerProtections(app: FastifyInstance, maxEventLoopDelayMs: number): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'blob:', 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/v1') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  if (maxEventLoopDelayMs === 0) return;
  await app.register(underPressure, {
    // Lag, not utilisation: a busy but answering API stays open (the CLI runs every worker in its process).
    maxEventLoopDelay: maxEventLoopDelayMs,
    retryAfter: PRESSURE_RETRY_AFTER,
    pressureHandler: async (request, reply, type, value) => {
      if (request.url === '/healthz') return;
      request.log.warn({ type, value }, 'under pressure: request refused');
      reply.header('retry-after', String(PRESSURE_RETRY_AFTER));
      throw new OverloadedError();
    },
  });
}
