import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadInputError, errorMessage } from '@reelrestore/shared/errors';
import { MAX_CHUNK_FRAMES } from '@reelrestore/shared/frames/chunk-size';
import { newReelId } from '@reelrestore/shared/ids';
import { jobIds } from '@reelrestore/shared/jobs';
import { defaultJobOptions, enqueue } from '@reelrestore/shared/queues';
import type { ReelRecord, ReelSource } from '@reelrestore/shared/reels/reel-record';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import { assertCallbackUrlAllowed } from '@reelrestore/shared/webhooks/callback-url';
import { publicUrl, type ApiDeps, type App } from '../../deps.js';
import { receiveUpload } from '../../ingest/receive-upload.js';
import { sendProblem } from '../../plugins/error-handler.js';
import { resolveExternalSource, resolveSequenceUpload, resolveStoredSource, resolveUploadSource } from '../../ingest/stored-source.js';
import { acceptedBody, problemBody } from './schemas.js';

const chunkFrames = z.coerce.number().int().min(4).max(MAX_CHUNK_FRAMES);
const outputFormat = z.enum(['ffv1', 'prores4444']);
const callbackUrl = z.url().max(2048);

const storedSourceBody = z.strictObject({
  source: z.union(
    [
      z.strictObject({ key: z.string().min(1) }),
      z.strictObject({ prefix: z.string().min(1) }),
      z.strictObject({ upload: z.string().min(1).describe('the id of a finished resumable upload (POST /v1/uploads)') }),
      z.strictObject({ external: z.string().min(1).describe('an archive bucket the operator registered for you (SOURCES)'), key: z.string().min(1) }),
      z.strictObject({ external: z.string().min(1), prefix: z.string().min(1) }),
    ],
    {
      error:
        'source must be {"upload": "<id>"} (a finished upload), {"key": "<key>"} (a video) or {"prefix": "<folder/>"} (image frames) within your sources (tenants/<tenant>/sources/ in the store), or either of those with "external": "<name>" for a registered archive bucket',
    },
  ),
  callbackUrl: callbackUrl.optional(),
  options: z.strictObject({ chunkFrames: chunkFrames.optional(), outputFormat: outputFormat.optional() }).optional(),
});

const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x20-\x7e]{1,200}$/, 'Idempotency-Key must be 1 to 200 printable ASCII characters')
    .optional()
    .describe('retrying with the same key returns the reel the first request created (kept 24 hours)'),
});

interface Submission {
  source: ReelSource;
  options: { chunkFrames?: number | undefined; outputFormat?: ReelRecord['options']['outputFormat'] | undefined };
  callbackUrl?: string | undefined;
}

/** The request body, described for the OpenAPI document (the upload is streamed, so no schema validates it). */
export const createReelBodyDocs = {
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        description: 'Send the text fields before the file: fields after it are only read once the whole file has arrived.',
        required: ['file'],
        properties: {
          callbackUrl: { type: 'string', format: 'uri' },
          chunkFrames: { type: 'integer', minimum: 4, maximum: MAX_CHUNK_FRAMES },
          outputFormat: { type: 'string', enum: outputFormat.options, default: 'ffv1' },
          file: { type: 'string', format: 'binary', description: 'a video (MOV/MKV/MP4/AVI/MXF) or an uncompressed tar of DPX/TIFF/PNG frames' },
        },
      },
    },
    // A zod schema: the docs plugin makes it JSON Schema of the document's version.
    'application/json': { schema: storedSourceBody.meta({ examples: storedSourceExamples() }) },
  },
};

function storedSourceExamples(): z.input<typeof storedSourceBody>[] {
  return [
    { source: { upload: '3f9c2a7d41e8b05c96d1a2e3f4b5c6d7' }, callbackUrl: 'https://archive.example.org/hooks/reelrestore' },
    { source: { key: 'reel1.mkv' }, options: { outputFormat: 'prores4444' } },
    { source: { prefix: 'reel2/' }, options: { chunkFrames: 48 } },
  ];
}

export function createReelRoute(app: App, deps: ApiDeps): void {
  app.post(
    '/v1/reels',
    {
      schema: {
        summary: 'Submit a reel',
        description:
          'Upload a video or a tar of frames as multipart/form-data (field "file"), or send JSON naming data already in the store. ' +
          'Answers 202 at once; poll statusUrl.',
        tags: ['reels'],
        headers: idempotencyHeaders,
        response: { 202: acceptedBody, 400: problemBody, 404: problemBody, 409: problemBody, 413: problemBody, 415: problemBody, 422: problemBody },
      },
    },
    async (request, reply) => {
      const { tenantId } = request;
      const idempotencyKey = request.headers['idempotency-key'];
      const keyHash = typeof idempotencyKey === 'string' ? createHash('sha256').update(idempotencyKey).digest('hex') : null;
      const id = newReelId();

      if (keyHash) {
        const fingerprint = requestFingerprint(request);
        const existing = await deps.reels.claimIdempotencyKey(tenantId, keyHash, id, fingerprint);
        if (existing) {
          discardBody(request);
          if (existing.fingerprint !== fingerprint) {
            return sendProblem(reply, 422, `Idempotency-Key was already used for a different request (reel ${existing.reelId}): use a new key for a new reel`, {
              type: 'idempotency-key-reused',
            });
          }
          const state = (await deps.reels.getState(existing.reelId)) ?? 'queued';
          const statusUrl = publicUrl(deps.config, `/v1/reels/${existing.reelId}`, request);
          return reply.code(202).header('location', statusUrl).header('idempotent-replayed', 'true').send({ id: existing.reelId, state, statusUrl });
        }
      }

      const log = request.log.child({ reelId: id });
      let recordCreated = false;
      try {
        const sub = request.isMultipart() ? await fromUpload(request, deps, id) : await fromStore(request.body, tenantId, deps, id);
        await deps.reels.create({
          id,
          tenantId,
          source: sub.source,
          options: { chunkFrames: sub.options.chunkFrames ?? deps.config.CHUNK_FRAMES, outputFormat: sub.options.outputFormat ?? 'ffv1' },
          callbackUrl: sub.callbackUrl,
        });
        recordCreated = true;
        await enqueue(deps.queues, 'probe', jobIds.probe(id), { reelId: id }, defaultJobOptions(deps.config.JOB_ATTEMPTS));
        log.info({ source: sub.source.type, bytes: sub.source.size }, 'reel accepted');
      } catch (err) {
        log.info({ reason: errorMessage(err) }, 'submission abandoned');
        discardBody(request);
        const undo = (what: string, p: Promise<unknown>) => p.catch((e: unknown) => log.warn({ err: e }, `could not ${what}`));
        // A record without its probe job would wait forever: fail it with a reason instead.
        if (recordCreated) await undo('mark the reel failed', deps.reels.transition(id, 'failed', { error: 'the reel could not be queued; submit it again' }));
        await undo('delete the partial upload', deps.store.deletePrefix(reelKeys(id).root));
        if (keyHash) await undo('release the idempotency key', deps.reels.releaseIdempotencyKey(tenantId, keyHash));
        throw err;
      }

      const statusUrl = publicUrl(deps.config, `/v1/reels/${id}`, request);
      return reply.code(202).header('location', statusUrl).send({ id, state: 'queued', statusUrl });
    },
  );
}

async function fromUpload(request: FastifyRequest, deps: ApiDeps, reelId: string): Promise<Submission> {
  const options: Submission['options'] = {};
  let callback: string | undefined;
  const source = await receiveUpload(request, {
    store: deps.store,
    reelId,
    maxBytes: deps.config.MAX_UPLOAD_BYTES,
    onField: async (name, value) => {
      if (name === 'chunkFrames') options.chunkFrames = parseField(chunkFrames, name, value);
      else if (name === 'outputFormat') options.outputFormat = parseField(outputFormat, name, value);
      else if (name === 'callbackUrl') {
        callback = parseField(callbackUrl, name, value);
        await assertCallbackUrlAllowed(callback, deps.config.WEBHOOK_ALLOW_PRIVATE);
      } else throw new BadInputError(`unknown form field "${name.slice(0, 50)}": expected file, callbackUrl, chunkFrames, outputFormat`, 400);
    },
  });
  return { source, options, callbackUrl: callback };
}

async function fromStore(body: unknown, tenantId: string, deps: ApiDeps, reelId: string): Promise<Submission> {
  if (body === undefined || body === null) {
    throw new BadInputError('send multipart/form-data with a "file", or JSON naming a source already in the store', 400);
  }
  const parsed = storedSourceBody.safeParse(body);
  if (!parsed.success) throw new BadInputError(describeIssues(parsed.error), 400);
  const { source, options = {}, callbackUrl: callback } = parsed.data;
  if (callback) await assertCallbackUrlAllowed(callback, deps.config.WEBHOOK_ALLOW_PRIVATE);
  const resolved =
    'upload' in source
      ? await fromAnUpload(deps, tenantId, source.upload, reelId)
      : 'external' in source
        ? await resolveExternalSource(deps.sources, tenantId, source)
        : await resolveStoredSource(deps.store, tenantId, source);
  return { source: resolved, options, callbackUrl: callback };
}

/**
 * What a request asked for, to tell a retry from another request reusing its Idempotency-Key: the JSON
 * body as sent, or for an upload (whose bytes arrive later) its declared length.
 */
function requestFingerprint(request: FastifyRequest): string {
  const what = request.isMultipart() ? `upload ${request.headers['content-length'] ?? 'chunked'}` : JSON.stringify(request.body ?? null);
  return createHash('sha256').update(what).digest('hex').slice(0, 32);
}

/**
 * A finished upload of any kind: a sequence sent frame by frame (read in place), or one file sent direct
 * to S3 (multipart) or resumably (tus).
 */
async function fromAnUpload(deps: ApiDeps, tenantId: string, uploadId: string, reelId: string): Promise<ReelSource> {
  const sequence = await deps.sequences.close(tenantId, uploadId);
  if (sequence) return resolveSequenceUpload(deps.store, sequence, uploadId);
  const file = (await deps.direct.finished(tenantId, uploadId)) ?? (await deps.uploads.finished(tenantId, uploadId));
  return resolveUploadSource(deps.store, file, uploadId, reelId);
}

function parseField<T>(schema: z.ZodType<T>, name: string, value: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadInputError(`form field "${name}": ${parsed.error.issues[0]?.message ?? 'invalid'}`, 400);
  return parsed.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/**
 * Once a request is answered early (a replay, a rejection), the rest of its body is read and dropped, so the
 * client receives the answer instead of stalling on a full socket and the connection stays usable.
 */
function discardBody(request: FastifyRequest): void {
  if (request.raw.readableEnded) return;
  request.raw.unpipe();
  request.raw.resume();
}
