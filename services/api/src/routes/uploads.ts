import type { IncomingMessage } from 'node:http';
import type { ApiDeps, App } from '../deps.js';
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
