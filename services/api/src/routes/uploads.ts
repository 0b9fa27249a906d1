import type { IncomingMessage } from 'node:http';
import type { ApiDeps, App } from '../deps.js';
import { header, headerParam, text, type Json } from '../plugins/openapi-parts.js';
import { TENANT_HEADER, UPLOADS_PATH } from '../uploads/tus-uploads.js';

const TUS_DOCS =
  'Resumable uploads, tus protocol 1.0.0 (https://tus.io; any tus client works): POST with Upload-Length (and ' +
  'Upload-Metadata "filename <base64>") creates an upload and answers its URL in Location; PATCH with ' +
  'Content-Type application/offset+octet-stream and Upload-Offset sends bytes; after a broken connection HEAD ' +
  'tells the offset to continue from. A finished upload becomes a reel with POST /v1/reels {"source": {"upload": id}}.';

/**
 * The tus routes: the tus server reads the raw request itself, so this scope parses no bodies, and the
 * authenticated tenant travels to it in a header the API sets (never the client's).
 */
export async function uploadRoutes(app: App, deps: ApiDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const url of [UPLOADS_PATH, `${UPLOADS_PATH}/:id`]) {
      scope.route({
        method: url === UPLOADS_PATH ? ['POST', 'OPTIONS'] : ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
        url,
        schema: { summary: url === UPLOADS_PATH ? 'Create a resumable upload (tus)' : 'Resume, inspect or delete a resumable upload (tus)', description: TUS_DOCS, tags: ['uploads'] },
        handler: async (request, reply) => {
          setTrustedHeader(request.raw, TENANT_HEADER, request.tenantId);
          reply.hijack();
          await deps.uploads.server.handle(request.raw, reply.raw);
        },
      });
    }
  });
}

/** Replaces every copy of a header a client may have sent (tus reads rawHeaders, not headers) with ours. */
function setTrustedHeader(raw: IncomingMessage, name: string, value: string): void {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < raw.rawHeaders.length; i += 2) {
    if (raw.rawHeaders[i]!.toLowerCase() !== name) pairs.push(raw.rawHeaders[i]!, raw.rawHeaders[i + 1]!);
  }
  raw.rawHeaders.splice(0, raw.rawHeaders.length, ...pairs, name, value);
  raw.headers[name] = value;
}

const TUS_RESUMABLE = headerParam('Tus-Resumable', 'the tus protocol version', { type: 'string', const: '1.0.0' });
const TUS_PRECONDITION = text('Tus-Resumable is missing or not 1.0.0 (Tus-Version lists the versions served)');
const TUS_CAPABILITIES = {
  description: "the tus server's capabilities",
  headers: {
    'Tus-Resumable': header('1.0.0'),
    'Tus-Version': header('the protocol versions served: 1.0.0'),
    'Tus-Max-Size': header('the largest upload accepted, bytes (MAX_UPLOAD_BYTES)', { type: 'integer' }),
    'Tus-Extension': header('the extensions served: creation, creation-with-upload, termination…'),
  },
};

/**
 * What fastify's schemas cannot say about these routes: the tus server answers them itself, with its own
 * statuses and headers and text/plain errors. plugins/docs.ts merges it into each method's operation; the
 * route's own responses win.
 */
export const TUS_METHOD_DOCS: Record<string, Json> = {
  'POST /v1/uploads': {
    parameters: [
      TUS_RESUMABLE,
      headerParam('Upload-Length', 'the size of the whole upload, bytes', { type: 'integer', minimum: 0 }),
      headerParam('Upload-Metadata', 'comma-separated "key base64(value)" pairs; `filename` names the file', { type: 'string' }, false, 'filename cmVlbDEubWt2'),
    ],
    responses: {
      201: {
        description: 'the upload was created: PATCH its bytes to the URL in Location',
        headers: { Location: header('the upload URL, ending in its id', { type: 'string', format: 'uri' }), 'Tus-Resumable': header('1.0.0') },
      },
      400: text('Upload-Length is missing or not a number, or Upload-Metadata is malformed'),
      412: TUS_PRECONDITION,
      413: text('Upload-Length is over the upload limit (Tus-Max-Size)'),
    },
  },
  'OPTIONS /v1/uploads': { responses: { 204: TUS_CAPABILITIES } },
  'OPTIONS /v1/uploads/:id': { responses: { 204: TUS_CAPABILITIES } },
  'HEAD /v1/uploads/:id': {
    parameters: [TUS_RESUMABLE],
    responses: {
      200: {
        description: 'how far the upload got: continue with a PATCH from Upload-Offset',
        headers: {
          'Upload-Offset': header('bytes received so far', { type: 'integer' }),
          'Upload-Length': header('the size of the whole upload', { type: 'integer' }),
          'Upload-Metadata': header('as sent when the upload was created'),
          'Cache-Control': header('no-store'),
        },
      },
      404: { description: 'no such upload for this API key' },
      410: { description: 'the upload was deleted' },
      412: { description: 'Tus-Resumable is missing or not 1.0.0' },
    },
  },
  'PATCH /v1/uploads/:id': {
    parameters: [TUS_RESUMABLE, headerParam('Upload-Offset', 'where these bytes go: the offset HEAD reported', { type: 'integer', minimum: 0 })],
    requestBody: {
      required: true,
      content: { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    responses: {
      204: { description: 'the bytes were stored', headers: { 'Upload-Offset': header('bytes received so far', { type: 'integer' }) } },
      403: text('Upload-Offset, or the Content-Type application/offset+octet-stream, is missing'),
      404: text('no such upload for this API key'),
      409: text('Upload-Offset is not where the upload is: HEAD, then continue from its offset'),
      410: text('the upload was deleted'),
      412: TUS_PRECONDITION,
      413: text('more bytes than the Upload-Length declared'),
    },
  },
  'DELETE /v1/uploads/:id': {
    parameters: [TUS_RESUMABLE],
    responses: {
      204: { description: 'the upload and its bytes are deleted' },
      404: text('no such upload for this API key'),
      410: text('the upload was already deleted'),
      412: TUS_PRECONDITION,
    },
  },
};
