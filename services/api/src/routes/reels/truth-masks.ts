import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BadInputError } from '@reelrestore/shared/errors';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { decodeMaskPng, encodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { ApiDeps, App } from '../../deps.js';
import { findOwnReel } from './find-reel.js';
import { conflictBody, problemBody, reelIdParams } from './schemas.js';

/** The request body as the OpenAPI document shows it (the route parses the PNG itself). */
export const truthMaskBodyDocs = {
  required: true,
  content: { 'image/png': { schema: { type: 'string', format: 'binary', description: "8-bit grey PNG of the frame's size, 255 where it is truly damaged" } } },
};

/** A mask PNG of a 4K frame is well under this; the limit only stops abuse. */
const MAX_MASK_BYTES = 32 * 1024 * 1024;

/**
 * Known damage of benchmark material, one mask per frame: with it the console colours the mask overlay as the
 * benchmark does (detected and true, false alarm, missed). It changes nothing in the reel's outputs.
 */
export async function truthMaskRoutes(app: App, deps: ApiDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('image/png', { parseAs: 'buffer', bodyLimit: MAX_MASK_BYTES }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().put(
      '/v1/reels/:id/truth/:n',
      {
        schema: {
          summary: "Attach a frame's known damage (benchmark material) for the console's coloured overlay",
          description: 'The body is an 8-bit grey PNG of the frame\'s size, 255 where the frame is truly damaged. Only once the reel is probed (409 before).',
          tags: ['review'],
          params: reelIdParams.extend({ n: z.coerce.number().int().min(0).describe('frame number, from 0') }),
          response: { 204: z.null().describe('stored'), 404: problemBody, 409: conflictBody, 413: problemBody, 415: problemBody, 422: problemBody },
        },
      },
      async (request, reply) => {
        const { id, n } = request.params;
        const rec = await findOwnReel(deps.reels, id, request.tenantId);
        const plan = await readPlan(deps.store, id);
        if (!plan) throw new BadInputError(`reel ${id} is ${rec.state}: known damage can be attached once it is probed`, 409);
        const { width, height, frameCount } = { ...plan.media.layout, frameCount: plan.media.frameCount };
        if (n >= frameCount) throw new BadInputError(`the reel has frames 0 to ${frameCount - 1}, not ${n}`, 422);
        if (!Buffer.isBuffer(request.body)) throw new BadInputError('send the mask as image/png', 415);
        const mask = await decodeMaskPng(request.body);
        if (mask.width !== width || mask.height !== height) throw new BadInputError(`the mask is ${mask.width}x${mask.height}; frames are ${width}x${height}`, 422);
        await deps.store.put(reelKeys(id).truthMask(n), await encodeMaskPng(mask.mask, width, height), { contentType: 'image/png' });
        await deps.reels.markTruth(id);
        return reply.code(204).send(null);
      },
    );
  });
}
