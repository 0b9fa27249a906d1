import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { REEL_ID_PATTERN } from '@reelrestore/shared/ids';
import { isTerminal, REEL_STATES, type ReelRecord } from '@reelrestore/shared/reels/reel-record';
import { purgeReel } from '@reelrestore/shared/reels/purge-reel';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { removeReelJobs } from '@reelrestore/shared/reels/remove-reel-jobs';
import { publicUrl, type ApiDeps, type App } from '../../deps.js';
import { sendProblem } from '../../plugins/error-handler.js';
import { findOwnReel } from './find-reel.js';
import { cancelledBody, conflictBody, linksAt, problemBody, purgedBody, reelBody, reelIdParams, reelListBody } from './schemas.js';

const purgeQuery = z.object({
  purge: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('delete the reel\'s data from the store'),
});

const listQuery = z.object({
  state: z.enum(REEL_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(REEL_ID_PATTERN, 'cursor must be a nextCursor from a previous page').optional(),
});

export function getReelRoutes(app: App, deps: ApiDeps): void {
  const withLinks = (request: FastifyRequest) => (rec: ReelRecord) =>
    rec.state === 'completed' && !rec.purgedAt ? { ...rec, links: reelLinks(deps, rec.id, request) } : rec;

  app.get(
    '/v1/reels/:id',
    { schema: { summary: 'A reel: state, progress, timings, outputs', tags: ['reels'], params: reelIdParams, response: { 200: reelBody, 404: problemBody } } },
    async (request) => withLinks(request)(await findOwnReel(deps.reels, request.params.id, request.tenantId)),
  );

  app.get(
    '/v1/reels',
    {
      schema: {
        summary: "The tenant's reels, newest first",
        tags: ['reels'],
        querystring: listQuery,
        response: { 200: reelListBody, 400: problemBody },
      },
    },
    async (request) => {
      const { state, limit, cursor } = request.query;
      const page = await deps.reels.list(request.tenantId, { limit, ...(state ? { state } : {}), ...(cursor ? { cursor } : {}) });
      return { reels: page.reels.map(withLinks(request)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  );

  app.delete(
    '/v1/reels/:id',
    {
      schema: {
        summary: 'Cancel a reel, or purge its data',
        description:
          'Cancels: queued work is removed; a stage already running stops at its next check. With purge=true, a finished (or just ' +
          'cancelled) reel\'s source, masks, patches and outputs are deleted from the store, and the resumable upload it was made ' +
          'from; a source staged in the tenant\'s sources stays. The record stays, with purgedAt. Purging twice is harmless.',
        tags: ['reels'],
        params: reelIdParams,
        querystring: purgeQuery,
        response: {
          200: purgedBody,
          202: cancelledBody,
          400: problemBody,
          404: problemBody,
          409: conflictBody,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { purge } = request.query;
      const rec = await findOwnReel(deps.reels, id, request.tenantId);
      const conflict = (state: ReelRecord['state']) =>
        sendProblem(reply, 409, `reel ${id} is already ${state}${purge ? '' : '; DELETE with ?purge=true deletes its data'}`, { extra: { state } });
      let state = rec.state;
      if (!isTerminal(state)) {
        // The transition is atomic: if the reel finished meanwhile, it wins and the cancel reports that.
        if (await deps.reels.transition(id, 'cancelled')) {
          await removeReelJobs(deps.queues, id, await readPlan(deps.store, id), rec.revision);
          request.log.info({ reelId: id }, 'reel cancelled');
          state = 'cancelled';
        } else {
          state = (await deps.reels.getState(id)) ?? state;
          if (!purge) return conflict(state);
        }
      } else if (!purge) return conflict(state);
      if (!purge) return reply.code(202).send({ id, state: 'cancelled' as const });
      const purgedAt = rec.purgedAt ?? (await purgeReel(deps, rec));
      request.log.info({ reelId: id }, 'reel purged');
      return reply.code(200).send({ id, state, purgedAt });
    },
  );
}

function reelLinks(deps: ApiDeps, id: string, request: FastifyRequest) {
  return linksAt(publicUrl(deps.config, `/v1/reels/${id}`, request));
}
