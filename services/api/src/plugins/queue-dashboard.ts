import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { QUEUES } from '@reelrestore/shared/jobs';
import { sameSecret } from '@reelrestore/shared/secrets';
import type { ApiDeps } from '../deps.js';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * The operator's queue dashboard (bull-board) at /admin/queues: every queue's jobs by state, with retry and
 * clean. Only when ADMIN_KEY is set, and only for HTTP basic auth with ADMIN_KEY as the password (any user
 * name): a browser asks for it, and tenant API keys do not open it.
 */
export async function registerQueueDashboard(app: FastifyInstance, deps: Pick<ApiDeps, 'config' | 'queues'>): Promise<void> {
  const adminKey = deps.config.ADMIN_KEY;
  if (!adminKey) return;
  const board = new FastifyAdapter();
  board.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: QUEUES.map((q) => new BullMQAdapter(deps.queues[q])), serverAdapter: board });
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (!basicPasswordMatches(request.headers.authorization, adminKey)) {
        return reply.code(401).header('www-authenticate', 'Basic realm="reelrestore queues", charset="UTF-8"').type('text/plain').send('the queue dashboard needs ADMIN_KEY as the password\n');
      }
    });
    await scope.register(board.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}

/** `Authorization: Basic base64(user:password)` with this password, compared in constant time. */
function basicPasswordMatches(header: string | undefined, password: string): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const given = decoded.slice(decoded.indexOf(':') + 1);
  return Boolean(match) && sameSecret(given, password);
}
