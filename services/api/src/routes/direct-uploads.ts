import { z } from 'zod';
import type { ApiDeps, App } from '../deps.js';
import { problemBody } from './reels/schemas.js';

const idParams = z.object({ id: z.string().describe('the upload id') });

const createBody = z.strictObject({
  fileName: z.string().min(1).max(255).describe("the file's name, kept for the reel's record"),
  size: z.number().int().min(1).describe('bytes in all'),
  partSize: z.number().int().optional().describe('bytes per part (5 MiB to 5 GiB); default 64 MiB, grown to fit 10,000 parts'),
});

const createdBody = z.object({
  id: z.string().describe('the upload id: POST /v1/reels {"source": {"upload": id}} once completed'),
  partSize: z.number().int(),
  parts: z.array(z.object({ partNumber: z.number().int(), url: z.string().describe('PUT this part here; keep the ETag header of the answer') })),
  expiresAt: z.string().describe('the part URLs work until then'),
});

const completeBody = z.strictObject({
  parts: z.array(z.strictObject({ partNumber: z.number().int().min(1), etag: z.string().min(1) })).min(1).describe("every part's number and the ETag its PUT answered"),
});

/**
 * Direct-to-bucket uploads for S3 deployments (uploads/direct-uploads.ts): the bytes go from the client to
 * S3 with presigned part URLs and never pass through the API.
 */
export function directUploadRoutes(app: App, deps: ApiDeps): void {
  app.post(
    '/v1/direct-uploads',
    {
      schema: {
        summary: 'Open a direct-to-bucket multipart upload (S3 stores)',
        description: 'Answers one presigned URL per part. PUT each part to its URL (any order, in parallel), keep each answer\'s ETag, then complete.',
        tags: ['uploads'],
        body: createBody,
        response: { 201: createdBody, 400: problemBody, 409: problemBody, 413: problemBody },
      },
    },
    async (request, reply) => reply.code(201).send(await deps.direct.create(request.tenantId, request.body)),
  );

  app.post(
    '/v1/direct-uploads/:id/complete',
    {
      schema: {
        summary: 'Complete a direct upload with its parts\' ETags',
        tags: ['uploads'],
        params: idParams,
        body: completeBody,
        response: { 200: z.object({ id: z.string(), size: z.number().int() }), 404: problemBody, 409: problemBody, 422: problemBody },
      },
    },
    async (request) => deps.direct.complete(request.tenantId, request.params.id, request.body.parts),
  );

  app.delete(
    '/v1/direct-uploads/:id',
    {
      schema: { summary: 'Abandon a direct upload (S3 discards its parts)', tags: ['uploads'], params: idParams, response: { 204: z.null(), 404: problemBody, 409: problemBody } },
    },
    async (request, reply) => {
      await deps.direct.abort(request.tenantId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
