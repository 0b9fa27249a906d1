import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { BadInputError, NotFoundError } from '@reelrestore/shared/errors';
import { throttledWarn, type Logger } from '@reelrestore/shared/logger';

/**
 * Every error is an RFC 9457 problem (`application/problem+json`): `type` is stable for each kind of
 * error, so clients switch on it and never on the wording of `detail`, which says what to fix.
 */
export const PROBLEM_TYPES = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'length-required': 411,
  'too-large': 413,
  'unsupported-media': 415,
  'range-not-satisfiable': 416,
  unprocessable: 422,
  'idempotency-key-reused': 422,
  'rate-limited': 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<string, number>;

export type ProblemType = keyof typeof PROBLEM_TYPES;

/** Not a page to fetch: a name (RFC 9457 allows a non-resolvable URI) that stays the same on every deployment. */
export const problemTypeUri = (type: ProblemType) => `urn:reelrestore:problem:${type}`;

const BY_STATUS: Record<number, ProblemType> = Object.fromEntries(
  Object.entries(PROBLEM_TYPES)
    .filter(([type]) => type !== 'idempotency-key-reused')
    .map(([type, status]) => [status, type as ProblemType]),
);

export function problemTypeFor(status: number): ProblemType {
  return BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad-request');
}

export interface ProblemOptions {
  /** A more specific type than the status's own. */
  type?: ProblemType;
  /** Extension members (RFC 9457 §3.2), e.g. a conflicting reel's state. */
  extra?: Record<string, unknown>;
}

export function sendProblem(reply: FastifyReply, status: number, detail: string, opts: ProblemOptions = {}): FastifyReply {
  const type = opts.type ?? problemTypeFor(status);
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: problemTypeUri(type),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      instance: instanceOf(reply.request),
      ...opts.extra,
    });
}

function instanceOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

const RETRY_AFTER_SECONDS = 5;

/** The process is overloaded (plugins/protections.ts): 503, with the Retry-After already set. */
export class OverloadedError extends Error {
  readonly statusCode = 503;
  constructor() {
    super('the service is overloaded right now; retry later (see Retry-After)');
  }
}
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/**
 * Redis or the object store is unreachable: ioredis refusing a command while disconnected, a socket error,
 * or the S3 client's connection or request timeout (s3-store.ts; its connection timeout carries no code).
 */
export function isDependencyDown(err: Error & { code?: string; cause?: unknown }): boolean {
  if (/Stream isn't writeable|enableOfflineQueue|Connection is closed|MaxRetriesPerRequest/i.test(err.message)) return true;
  if (err.name === 'TimeoutError' && err.message.startsWith('@smithy/node-http-handler')) return true;
  const code = err.code ?? (err.cause as { code?: string } | undefined)?.code;
  return code !== undefined && NETWORK_CODES.has(code);
}

/**
 * One error handler for the whole API. Client mistakes get their status and a readable detail;
 * anything else is a 5xx with a generic detail, the particulars going only to the log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  // While Redis or the store is down every request fails on it: one line per distinct error, then at most
  // one every 30 s with a count, not a line per request.
  const dependencyDown = throttledWarn(app.log as Logger, 'a dependency is unreachable');
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof BadInputError) return sendProblem(reply, err.status, err.message);
    if (err instanceof NotFoundError) return sendProblem(reply, 404, err.message);
    if (hasZodFastifySchemaValidationErrors(err) || err.validation) return sendProblem(reply, 400, err.message);
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = request.headers['content-type'] ?? 'none';
      return sendProblem(reply, 415, `content type "${type.slice(0, 100)}" is not accepted: send multipart/form-data (the file in field "file") or application/json`);
    }
    if (err instanceof OverloadedError) return sendProblem(reply, 503, err.message);
    if (isDependencyDown(err)) {
      // Fail fast and say when to come back: the API's Redis connection queues nothing while it is down,
      // so nothing the client gave up on is done later (no reel created after the client has gone).
      dependencyDown(err);
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendProblem(reply, 503, 'the service cannot reach its queue or its storage right now; nothing was done: retry later (see Retry-After)');
    }
    const status = err.statusCode ?? 500;
    // fastify's and its plugins' own client errors (JSON body too large, too many form parts…) say what is wrong.
    if (status >= 400 && status < 500) return sendProblem(reply, status, err.message);
    request.log.error({ err }, 'request failed');
    return sendProblem(reply, status >= 500 && status < 600 ? status : 500, 'internal error; the details are in the server log');
  });

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`));
}
