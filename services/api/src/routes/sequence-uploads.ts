import { z } from 'zod';
import { BadInputError } from '@reelrestore/shared/errors';
import { publicUrl, type ApiDeps, type App } from '../deps.js';
import { problemBody } from './reels/schemas.js';

const createdBody = z
  .object({
    id: z.string().describe('the upload id: POST /v1/reels {"source": {"upload": id}} once every frame is in'),
    frameUrl: z.string().describe('URL template: PUT each frame to it, replacing {name} with its file name'),
  })
  .meta({ examples: [{ id: '9f86d081884c7d659a2feaa0c55ad015', frameUrl: 'https://restore.example.org/v1/sequence-uploads/9f86d081884c7d659a2feaa0c55ad015/frames/{name}' }] });

const frameBody = z
  .object({ name: z.string(), size: z.number().int(), sha256: z.string() })
  .meta({ examples: [{ name: 'reel1_0000097.dpx', size: 12_746_752, sha256: 'a3f1c2d4e5b6a7980c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7' }] });

/**
 * Image sequences sent frame by frame (uploads/sequence-uploads.ts): open a sequence, PUT each frame, then
 * make a reel of it. Each frame is one request, so a broken one is simply sent again.
 */
export async function sequenceUploadRoutes(app: App, deps: ApiDeps): Promise<void> {
  app.post(
    '/v1/sequence-uploads',
    {
      schema: {
        summary: 'Open an image sequence to upload frame by frame',
        description: 'PUT each DPX/TIFF/PNG frame to frameUrl (any order, in parallel; a frame sent again replaces itself), then POST /v1/reels {"source": {"upload": id}}, which closes it.',
        tags: ['uploads'],
        response: { 201: createdBody },
      },
    },
    async (request, reply) => {
      const { id } = await deps.sequences.create(request.tenantId);
      return reply.code(201).send({ id, frameUrl: publicUrl(deps.config, `/v1/sequence-uploads/${id}/frames/{name}`, request) });
    },
  );

  // The frame's bytes are streamed into the store as they arrive: this scope parses no bodies.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.put(
      '/v1/sequence-uploads/:id/frames/:name',
      {
        schema: {
          summary: 'Upload one frame of an image sequence',
          description: 'The body is the frame file as it is (Content-Length required); its name says its format. A frame sent again replaces the earlier one.',
          tags: ['uploads'],
          params: z.object({ id: z.string(), name: z.string().describe('the frame file name, e.g. reel1_0000097.dpx') }),
          response: { 201: frameBody, 400: problemBody, 404: problemBody, 409: problemBody, 411: problemBody, 413: problemBody },
        },
      },
      async (request, reply) => {
        const length = request.headers['content-length'];
        if (length === undefined) throw new BadInputError('send the frame with a Content-Length', 411);
        const { id, name } = request.params as { id: string; name: string };
        const stored = await deps.sequences.putFrame(request.tenantId, id, name, request.raw, Number(length));
        return reply.code(201).send(stored);
      },
    );
  });
}
