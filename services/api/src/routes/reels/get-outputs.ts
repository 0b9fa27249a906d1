import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '@reelrestore/shared/errors';
import { FRAME_CONTENT_TYPES, frameFormat } from '@reelrestore/shared/frames/frame-files';
import type { OutputFile, ReelOutputs } from '@reelrestore/shared/reels/reel-record';
import { reelKeys, SAFE_FILE_NAME } from '@reelrestore/shared/storage/keys';
import { publicUrl, type ApiDeps, type App } from '../../deps.js';
import { readManifest } from '../../downloads/read-manifest.js';
import { sendObject, sendPrefixAsTar } from '../../downloads/send-object.js';
import { VIDEO_CONTENT_TYPES } from '../../ingest/sniff-media.js';
import { sendProblem } from '../../plugins/error-handler.js';
import { findOwnReel } from './find-reel.js';
import { conflictBody, manifestBody, problemBody, reelIdParams, reportBody } from './schemas.js';

const PRESIGN_SECONDS = 3600;
/** Files per manifest page: each costs a presigned URL on S3 (a signature, about half a millisecond). */
const MANIFEST_PAGE = 1000;


/** The stored frame's content type, by its name as the stitch job wrote it (the source's format). */
function frameContentType(name: string): string {
  const format = frameFormat(name);
  return format ? FRAME_CONTENT_TYPES[format] : 'application/octet-stream';
}

const extension = (name: string) => /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';

/** The bytes of a file, in the document: a binary string. */
const fileBytes = z.string().meta({ format: 'binary' });
const asFile = (contentTypes: string[]) => Object.fromEntries(contentTypes.map((type) => [type, { schema: fileBytes }]));

/**
 * 200 with the whole file, 206 with one byte range, 416 when the range starts past the end. The content types
 * are those the file can be served as; `whole` describes the 200 body when it is more than bytes.
 */
const download = (contentTypes: string[], description: string, whole?: z.ZodType) => ({
  200: {
    description: `${description} (Accept-Ranges: bytes)`,
    content: whole ? Object.fromEntries(contentTypes.map((type) => [type, { schema: whole }])) : asFile(contentTypes),
  },
  206: {
    description: `one byte range of ${description}, for a request with Range: bytes=a-b, bytes=a- or bytes=-n (Content-Range: bytes a-b/size)`,
    content: asFile(contentTypes),
  },
  416: problemBody.describe('the range starts past the end of the file; Content-Range: bytes */size'),
});

const manifestQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MANIFEST_PAGE).default(MANIFEST_PAGE).describe('files per page'),
  cursor: z.string().regex(/^\d{1,12}$/, 'cursor must be a nextCursor from a previous page').optional(),
});

export function getOutputRoutes(app: App, deps: ApiDeps): void {
  /** Outputs exist only for completed reels; otherwise 409 with the reel's state. */
  async function completedOutputs(id: string, tenantId: string, reply: FastifyReply): Promise<ReelOutputs | null> {
    const rec = await findOwnReel(deps.reels, id, tenantId);
    if (rec.purgedAt) {
      await sendProblem(reply, 410, `reel ${id} was purged at ${rec.purgedAt}: its outputs are deleted`);
      return null;
    }
    if (rec.state === 'completed' && rec.outputs) return rec.outputs;
    await sendProblem(reply, 409, `reel ${id} is ${rec.state}; its outputs exist once it is completed`, { extra: { state: rec.state } });
    return null;
  }
  const errors = { 404: problemBody, 409: conflictBody, 410: problemBody };

  app.get(
    '/v1/reels/:id/output',
    {
      schema: {
        summary: 'The restored reel',
        description:
          'A video for video sources (or a 302 to a presigned URL when the store makes one), with Range requests; a tar of frames for image sequences ' +
          '(streamed, no ranges: fetch single frames from /output/frames/{name}, listed in /output/manifest).',
        tags: ['outputs'],
        params: reelIdParams,
        response: {
          ...download(
            ['video/x-matroska', 'video/quicktime', 'application/x-tar'],
            'the restored video (FFV1 in Matroska, or ProRes 4444 in QuickTime, as outputFormat asked), or for an image sequence a tar of the restored frames (no ranges: Accept-Ranges: none)',
          ),
          302: z.null().describe('the store made a presigned URL for the video: Location'),
          ...errors,
        },
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
      return sendObject(reply, deps.store, out.output, {
        contentType: VIDEO_CONTENT_TYPES[extension(out.outputName)] ?? 'application/octet-stream',
        downloadName: out.outputName,
        missing: 'the restored file is missing from the store',
      });
    },
  );

  app.get(
    '/v1/reels/:id/output/frames/:name',
    {
      schema: {
        summary: 'One restored frame of an image-sequence reel',
        description: 'In the source format and bit depth, under the source file name. Range requests work.',
        tags: ['outputs'],
        params: reelIdParams.extend({
          name: z.string().regex(SAFE_FILE_NAME, 'a frame file name: letters, digits, . _ -, no path').describe('the frame file name, as listed in the manifest'),
        }),
        response: { ...download(['image/png', 'image/tiff', 'image/x-dpx'], 'the restored frame, in the format of its source frame'), 400: problemBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id, name } = request.params;
      const out = await completedOutputs(id, request.tenantId, reply);
      if (!out) return reply;
      if (out.kind !== 'sequence') throw new NotFoundError(`reel ${id} is a video; it has no frame files (download /v1/reels/${id}/output)`);
      return sendObject(reply, deps.store, out.output + name, {
        contentType: frameContentType(name),
        downloadName: name,
        missing: `reel ${id} has no restored frame "${name}"`,
      });
    },
  );

  app.get(
    '/v1/reels/:id/output/manifest',
    {
      schema: {
        summary: 'Every output file of a completed reel, with size, SHA-256 and download URLs',
        description:
          'The restored video or every restored frame, the preview, report.json and every mask, in pages of up to 1000 files (follow nextCursor). ' +
          'Sizes and SHA-256s were recorded when the files were stored. On an S3 store each file also has a presigned URL that needs no API key.',
        tags: ['outputs'],
        params: reelIdParams,
        querystring: manifestQuery,
        response: { 200: manifestBody, 400: problemBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const out = await completedOutputs(id, request.tenantId, reply);
      if (!out) return reply;
      if (!out.manifest) throw new NotFoundError(`reel ${id} was completed before output manifests were written; it has none`);
      const manifest = await readManifest(deps.store, out.manifest);
      const start = request.query.cursor ? Number(request.query.cursor) : 0;
      if (start >= manifest.files.length && start > 0) return sendProblem(reply, 400, 'cursor must be a nextCursor from a previous page');
      const end = Math.min(manifest.files.length, start + request.query.limit);
      const expiresAt = new Date(Date.now() + PRESIGN_SECONDS * 1000).toISOString();
      const files = await Promise.all(manifest.files.slice(start, end).map((f) => describeFile(f, id, expiresAt, request)));
      return {
        reelId: manifest.reelId,
        kind: manifest.kind,
        createdAt: manifest.createdAt,
        totalFiles: manifest.files.length,
        totalBytes: manifest.files.reduce((sum, f) => sum + f.size, 0),
        files,
        ...(end < manifest.files.length ? { nextCursor: String(end) } : {}),
      };
    },
  );

  /** A manifest entry as clients see it: the API route that serves it and, on S3, a presigned URL. */
  async function describeFile(f: OutputFile, id: string, expiresAt: string, request: FastifyRequest) {
    const baseName = f.name.slice(f.name.lastIndexOf('/') + 1);
    const path = {
      video: `/v1/reels/${id}/output`,
      frame: `/v1/reels/${id}/output/frames/${encodeURIComponent(baseName)}`,
      preview: `/v1/reels/${id}/preview`,
      report: `/v1/reels/${id}/report`,
      mask: `/v1/reels/${id}/masks/${f.frame ?? Number(baseName.replace(/\.png$/, ''))}`,
    }[f.role];
    // expiresAt was taken before signing, so the URL lives at least until then.
    const presigned = await deps.store.presignedUrl(f.key, PRESIGN_SECONDS, baseName);
    return {
      name: f.name,
      role: f.role,
      size: f.size,
      sha256: f.sha256,
      contentType: f.contentType,
      ...(f.frame !== undefined ? { frame: f.frame } : {}),
      url: publicUrl(deps.config, path, request),
      ...(presigned ? { presignedUrl: presigned, presignedUrlExpiresAt: expiresAt } : {}),
    };
  }


  app.get(
    '/v1/reels/:id/preview',
    { schema: { summary: 'A small H.264 preview of the restored reel', tags: ['outputs'], params: reelIdParams, response: { ...download(['video/mp4'], 'the preview'), ...errors } } },
    async (request, reply) => {
      const out = await completedOutputs(request.params.id, request.tenantId, reply);
      if (!out) return reply;
      return sendObject(reply, deps.store, out.preview, { contentType: 'video/mp4', missing: 'the preview is missing from the store' });
    },
  );

  app.get(
    '/v1/reels/:id/report',
    {
      schema: {
        summary: 'report.json: per shot frames, damaged-pixel share, time per stage',
        tags: ['outputs'],
        params: reelIdParams,
        response: { ...download(['application/json'], 'the report', reportBody), ...errors },
      },
    },
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
        response: { ...download(['image/png'], 'the mask'), 400: problemBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id, frame } = request.params;
      if (!(await completedOutputs(id, request.tenantId, reply))) return reply;
      return sendObject(reply, deps.store, reelKeys(id).mask(frame), { contentType: 'image/png', missing: `no mask for frame ${frame}` });
    },
  );
}
