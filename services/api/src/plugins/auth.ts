import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '@reelrestore/shared/config';
import { sendProblem } from './error-handler.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the API key belongs to; set for every non-public route. */
    tenantId: string;
  }
}

/** Only /v1 holds data: probes, the API documentation and the console's own files work without a key. */
function isPublic(path: string): boolean {
  return !(path === '/v1' || path.startsWith('/v1/'));
}

/**
 * `Authorization: Bearer <key>`. Only SHA-256 hashes of keys are configured; the request's key is hashed and
 * compared with every configured hash in constant time, without stopping at a match, so timing tells nothing.
 */
export function registerAuth(app: FastifyInstance, keys: Config['API_KEYS']): void {
  const known = keys.map((k) => ({ tenant: k.tenant, hash: Buffer.from(k.sha256, 'hex') }));
  if (known.length === 0) app.log.warn('API_KEYS is empty: every request to /v1 will be refused');

  app.decorateRequest('tenantId', '');
  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request.url.split('?')[0] ?? '')) return;
    const key = bearerToken(request);
    const tenant = key === null ? null : tenantForKey(key, known);
    if (tenant === null) {
      reply.header('WWW-Authenticate', 'Bearer realm="reelrestore"');
      return sendProblem(reply, 401, key === null ? 'send the API key as "Authorization: Bearer <key>"' : 'the API key is not valid');
    }
    request.tenantId = tenant;
  });
}

function bearerToken(request: FastifyRequest): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
}

function tenantForKey(key: string, known: { tenant: string; hash: Buffer }[]): string | null {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  let tenant: string | null = null;
  for (const k of known) if (timingSafeEqual(digest, k.hash) && tenant === null) tenant = k.tenant;
  return tenant;
}
