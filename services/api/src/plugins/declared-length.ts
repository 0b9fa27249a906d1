import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from './error-handler.js';

/** Room for the form's text fields and part headers around the file in a multipart upload. */
const MULTIPART_SLACK = 1024 * 1024;

/**
 * An upload declared larger than the limit is refused before a byte of it is sent: `413` at once, and a
 * client that asked `Expect: 100-continue` never gets the `100 Continue` that would start a 200 GB body.
 * (JSON bodies have fastify's own early check; tus uploads declare Upload-Length, which tus checks.)
 */
export function registerDeclaredLengthLimit(app: FastifyInstance, maxUploadBytes: number): void {
  const limit = maxUploadBytes + MULTIPART_SLACK;
  const tooLarge = (raw: IncomingMessage) => raw.method === 'POST' && (raw.url ?? '').split('?')[0] === '/v1/reels' && Number(raw.headers['content-length'] ?? 0) > limit;

  // Node answers `100 Continue` by itself unless someone listens for checkContinue; then the request
  // goes through fastify as usual, and only a body worth sending is asked for.
  app.server.on('checkContinue', (req, res) => {
    if (!tooLarge(req)) res.writeContinue();
    app.server.emit('request', req, res);
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!tooLarge(request.raw)) return;
    // The body will not be read: close the connection rather than leave it mid-request.
    reply.header('connection', 'close');
    return sendProblem(reply, 413, `the request declares ${request.headers['content-length']} bytes, over the upload limit of ${maxUploadBytes} bytes: use a resumable upload (POST /v1/uploads) for large reels, or raise MAX_UPLOAD_BYTES`);
  });
}
