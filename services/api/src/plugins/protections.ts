import helmet from '@fastify/helmet';
import { getHeapStatistics } from 'node:v8';
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
 * - back-pressure (under-pressure): while the event loop lags more than API_MAX_EVENT_LOOP_DELAY_MS, or the heap
 *   (API_MAX_HEAP_USED_BYTES, by default 90 % of V8's limit) or resident memory (API_MAX_RSS_BYTES) is over its
 *   limit, requests get 503 with Retry-After instead of piling up, except the liveness probe, which must not get
 *   a busy pod restarted.
 */
export async function registerProtections(
  app: FastifyInstance,
  limits: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; maxRssBytes: number },
): Promise<void> {
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
  await app.register(underPressure, {
    // Lag, not utilisation: a busy but answering API stays open (the CLI runs every worker in its process).
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedBytes || Math.round(getHeapStatistics().heap_size_limit * 0.9),
    maxRssBytes: limits.maxRssBytes,
    retryAfter: PRESSURE_RETRY_AFTER,
    pressureHandler: async (request, reply, type, value) => {
      if (request.url === '/healthz') return;
      request.log.warn({ type, value }, 'under pressure: request refused');
      reply.header('retry-after', String(PRESSURE_RETRY_AFTER));
      throw new OverloadedError();
    },
  });
}

/**
 * Bodies the API reads whole before answering (JSON, plain text, a known-damage PNG; each under its body
 * limit): the ones timed as a whole.
 */
const READ_WHOLE = /^(application\/([\w.-]+\+)?json|text\/[\w.+-]+|image\/png)\s*(;|$)/i;

/**
 * A request with a body the API reads whole must have arrived within `ms` of its headers, or it gets 408 and
 * its connection is closed (what Node's own requestTimeout does, but that one applies to every route, uploads
 * included). Every other body is an upload streamed into the store (multipart, tus, a sequence's frames),
 * which may take hours and is left to the idle timeout, or one the API refuses without reading it.
 */
export function registerBodyDeadline(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', async (request, reply) => {
    const raw = request.raw;
    if (raw.complete || !READ_WHOLE.test(request.headers['content-type'] ?? '')) return;
    const timer = setTimeout(() => {
      if (raw.complete || reply.raw.headersSent) return;
      request.log.info({ ms }, 'request body not received in time: connection closed');
      // Connection: close, so Node closes the socket once this is written, with the body still unread.
      reply.raw.writeHead(408, { connection: 'close', 'content-length': '0' }).end();
    }, ms);
    timer.unref();
    const done = () => clearTimeout(timer);
    raw.once('end', done);
    raw.once('close', done);
  });
}
