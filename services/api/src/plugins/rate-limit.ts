import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * Per-tenant request limits, counted in Redis so every API replica shares them. `RateLimit-*` headers
 * (the IETF draft) on every answer and a 429 problem (with Retry-After) past the limit. Counted after
 * authentication, by tenant; probes and the documentation are not counted.
 */
export async function registerRateLimit(app: FastifyInstance, opts: { perMinute: number; redis: Redis; redisPrefix: string }): Promise<void> {
  if (opts.perMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: opts.perMinute,
    timeWindow: 60_000,
    redis: opts.redis,
    nameSpace: `${opts.redisPrefix}:ratelimit:`,
    enableDraftSpec: true,
    keyGenerator: (request) => request.tenantId || request.ip,
    allowList: (request) => !request.tenantId,
    // Thrown to the error handler, which answers it as a `rate-limited` problem.
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `more than ${context.max} requests in ${context.after} for this API key: retry after the time in Retry-After`,
    }),
  });
}
