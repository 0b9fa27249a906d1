import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { BadInputError, NotFoundError } from '@reelrestore/shared/errors';

/** Every error body has this shape: `error` is the HTTP reason phrase, `message` says what to fix. */
export function sendError(reply: FastifyReply, status: number, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ error: STATUS_CODES[status] ?? 'Error', message, ...extra });
}

/**
 * One error handler for the whole API. Client mistakes get their status and a readable message;
 * anything else is a 5xx with a generic message, the details going only to the log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof BadInputError) return sendError(reply, err.status, err.message);
    if (err instanceof NotFoundError) return sendError(reply, 404, err.message);
    if (hasZodFastifySchemaValidationErrors(err) || err.validation) return sendError(reply, 400, err.message);
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = request.headers['content-type'] ?? 'none';
      return sendError(reply, 415, `content type "${type.slice(0, 100)}" is not accepted: send multipart/form-data (the file in field "file") or application/json`);
    }
    const status = err.statusCode ?? 500;
    // fastify's and its plugins' own client errors (JSON body too large, too many form parts…) say what is wrong.
    if (status >= 400 && status < 500) return sendError(reply, status, err.message);
    request.log.error({ err }, 'request failed');
    return sendError(reply, status >= 500 && status < 600 ? status : 500, 'internal error; the details are in the server log');
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`));
}
