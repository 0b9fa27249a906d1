import { z } from 'zod';
import type { ApiDeps, App } from '../deps.js';

type CheckResult = 'ok' | 'failed' | 'timed out';

const checks = z.object({ redis: z.string(), store: z.string() });

/**
 * /healthz says the process is alive and nothing more (a failing dependency must not get pods restarted);
 * /readyz says whether to send it traffic: dependencies reachable and not shutting down.
 */
export function healthRoutes(app: App, deps: ApiDeps, timeoutMs: number): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        description: 'The process is up; says nothing of its dependencies.',
        tags: ['health'],
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }).meta({ examples: [{ status: 'ok' }] }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Redis and the object store answer, and the process is not shutting down',
        tags: ['health'],
        security: [],
        response: {
          200: z.object({ status: z.literal('ok'), checks }).meta({ examples: [{ status: 'ok', checks: { redis: 'ok', store: 'ok' } }] }),
          503: z
            .object({ status: z.string(), checks })
            .describe("not ready: a dependency failed or timed out ('failed', 'timed out'), or the process is shutting down ('skipped')")
            .meta({ examples: [{ status: 'unavailable', checks: { redis: 'timed out', store: 'ok' } }, { status: 'shutting down', checks: { redis: 'skipped', store: 'skipped' } }] }),
        },
      },
    },
    async (request, reply) => {
      // Kubernetes must stop routing here before the process goes, whatever the dependencies say.
      if (app.shuttingDown) return reply.code(503).send({ status: 'shutting down', checks: { redis: 'skipped', store: 'skipped' } });
      const [redis, store] = await Promise.all([
        check(() => deps.redis.ping(), timeoutMs),
        check(() => deps.store.ping(), timeoutMs),
      ]);
      const result = { redis, store };
      if (redis !== 'ok' || store !== 'ok') {
        request.log.warn({ checks: result }, 'not ready');
        return reply.code(503).send({ status: 'unavailable', checks: result });
      }
      return { status: 'ok' as const, checks: result };
    },
  );
}

async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), timeoutMs);
  });
  try {
    return await Promise.race([probe().then((): CheckResult => 'ok', (): CheckResult => 'failed'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
