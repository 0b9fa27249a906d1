import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ReelOutputs } from '@reelrestore/shared/reels/reel-record';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { ApiDeps, App } from '../../deps.js';
import { sendObject, sendPrefixAsTar } from '../../downloads/send-object.js';
import { VIDEO_CONTENT_TYPES } from '../../ingest/sniff-media.js';
import { sendProblem } from '../../plugins/error-handler.js';
import { findOwnReel } from './find-reel.js';
import { conflictBody, problemBody, reelIdParams } from './schemas.js';

const PRESIGN_SECONDS = 3600;

const binary = (contentType: string, description: string) => ({
  200: { description, content: { [contentType]: { schema: z.string() } } },
});

export function getOutputRoutes(app: App, deps: ApiDeps): void {
  /** Outputs exist only for completed reels; otherwise 409 with the reel's state. */
  async function completedOutputs(id: string, tenantId: string, reply: FastifyReply): Promise<ReelOutputs | null> {
    const rec = await findOwnReel(deps.reels, id, tenantId);
    if (rec.state === 'completed' && rec.outputs) return rec.outputs;
    await sendProblem(reply, 409, `reel ${id} is ${rec.state}; its outputs exist once it is completed`, { extra: { state: rec.state } });
    return null;
  }
  const errors = { 404: problemBody, 409: conflictBody };

  app.get(
    '/v1/reels/:id/output',
    {
      schema: {
        summary: 'The restored reel',
        description: 'A video for video sources (or a 302 to a presigned URL when the store makes one); a tar of frames for image sequences.',
        tags: ['outputs'],
        params: reelIdParams,
        response: { ...binary('application/octet-stream', 'the restored video, or a tar of restored frames'), 302: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const out = await completedOutputs(request.params.id, request.tenantId, reply);
      if (!out) return reply;
      if (out.kind === 'sequence') {
        return sendPrefixAsTar(reply, deps.store, out.output, out.outputName.endsWith('.tar') ? out.outputName : `${out.outputName}.tar`);
      }
      const presigned = await deps.store.presignedUrl(out.output, PRESIGN_SECONDS, out.outputName);
      if (presigned) return reply.redirect(presigned, 302);
      const ext = /\.([a-z0-9]+)$/i.exec(out.outputName)?.[1]?.toLowerCase() ?? '';
      return sendObject(reply, deps.store, out.output, {
        contentType: VIDEO_CONTENT_TYPES[ext] ?? 'application/octet-stream',
        downloadName: out.outputName,
        missing: 'the restored file is missing from the store',
      });
    },
  );

  app.get(
    '/v1/reels/:id/preview',
    { schema: { summary: 'A small H.264 preview of the restored reel', tags: ['outputs'], params: reelIdParams, response: { ...binary('video/mp4', 'preview'), ...errors } } },
    async (request, reply) => {
      const out = await completedOutputs(request.params.id, request.tenantId, reply);
      if (!out) return reply;
      return sendObject(reply, deps.store, out.preview, { contentType: 'video/mp4', missing: 'the preview is missing from the store' });
    },
  );

  app.get(
    '/v1/reels/:id/report',
    { schema: { summary: 'report.json: per shot frames, damaged-pixel share, time per stage', tags: ['outputs'], params: reelIdParams, response: { ...binary('application/json', 'the report'), ...errors } } },
    async (request, reply) => {
      const out = await completedOutputs(request.params.id, request.tenantId, reply);
      if (!out) return reply;
      return sendObject(reply, deps.store, out.report, { contentType: 'application/json', missing: 'the report is missing from the store' });
    },
  );

  app.get(
    '/v1/reels/:id/masks/:frame',
    {
      schema: {
        summary: "One frame's damage mask (8-bit PNG, 255 = damage)",
        tags: ['outputs'],
        params: reelIdParams.extend({ frame: z.coerce.number().int().min(0).describe('frame number, from 0') }),
        response: { ...binary('image/png', 'the mask'), ...errors },
      },
    },
    async (request, reply) => {
      const { id, frame } = request.params;
      if (!(await completedOutputs(id, request.tenantId, reply))) return reply;
      return sendObject(reply, deps.store, reelKeys(id).mask(frame), { contentType: 'image/png', missing: `no mask for frame ${frame}` });
    },
  );
}
