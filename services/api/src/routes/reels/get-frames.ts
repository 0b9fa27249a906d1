import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { BadInputError } from '@reelrestore/shared/errors';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import type { ApiDeps, App } from '../../deps.js';
import { FRAME_VARIANTS, frameImage } from '../../downloads/frame-image.js';
import { findOwnReel } from './find-reel.js';
import { conflictBody, problemBody, reelIdParams } from './schemas.js';

const frameQuery = z.object({
  variant: z.enum(FRAME_VARIANTS).default('restored').describe('the scan as it came, the restored frame, what it changed (|restored − scan| × 4), the repaint mask (255 = repainted), or the known damage (benchmark material, PUT /truth/{n})'),
  region: z
    .string()
    .regex(/^\d{1,5},\d{1,5},\d{1,5},\d{1,5}$/, 'region is x,y,width,height in the frame\'s pixels')
    .transform((v) => {
      const [x, y, w, h] = v.split(',').map(Number) as [number, number, number, number];
      return { x, y, w, h };
    })
    .refine((r) => r.w > 0 && r.h > 0, 'region needs a width and a height')
    .optional()
    .describe('x,y,width,height: a crop, in the frame\'s own pixels'),
  scale: z.coerce.number().min(0.05).max(8).default(1).describe('screen pixels per frame pixel: 1, 2 or 4 to judge grain (pixels repeated), below 1 for an overview'),
  format: z.enum(['png', 'jpeg']).default('png'),
  rev: z.coerce.number().int().min(0).optional().describe("the reel's revision as the client knows it: after a review the images change, and a new URL keeps caches from serving the old ones"),
});

/**
 * Frames for the screen (the restorer's console): any frame of a reel once it is probed, as the scan came
 * and as restored, or its mask, cropped and scaled (downloads/frame-image.ts).
 */
export function getFrameRoutes(app: App, deps: ApiDeps): void {
  app.get(
    '/v1/reels/:id/frames/:n',
    {
      schema: {
        summary: 'One frame for the screen: scan, restored or mask, cropped and scaled',
        description:
          '8-bit PNG or JPEG; 16-bit and 10-bit sources are mapped to 8 bits over their whole range. The scan is there once the reel ' +
          'is probed, the mask once its shot is segmented, the restored frame once the reel is completed (409 before).',
        tags: ['outputs'],
        params: reelIdParams.extend({ n: z.coerce.number().int().min(0).describe('frame number, from 0') }),
        querystring: frameQuery,
        response: {
          200: {
            description: 'the image',
            content: { 'image/png': { schema: z.string().describe('binary') }, 'image/jpeg': { schema: z.string().describe('binary') } },
          },
          400: problemBody,
          404: problemBody,
          409: conflictBody,
        },
      },
    },
    async (request, reply) => {
      const { id, n } = request.params;
      const rec = await findOwnReel(deps.reels, id, request.tenantId);
      const plan = await readPlan(deps.store, id);
      if (!plan) throw new BadInputError(`reel ${id} is ${rec.state}: its frames can be shown once it is probed`, 409);
      const { image, contentType } = await frameImage(deps, rec, plan, n, request.query);
      // The schema documents the image; the body is bytes, which the JSON serializer must not see.
      return (reply as FastifyReply).header('content-type', contentType).header('cache-control', 'private, max-age=3600').send(image);
    },
  );
}
