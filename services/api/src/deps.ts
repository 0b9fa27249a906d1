import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from '@reelrestore/shared/config';
import type { Queues } from '@reelrestore/shared/queues';
import type { ReelStore } from '@reelrestore/shared/reels/reel-store';
import type { ExternalSources } from '@reelrestore/shared/storage/external-sources';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import type { DirectUploads } from './uploads/direct-uploads.js';
import type { SequenceUploads } from './uploads/sequence-uploads.js';
import type { TusUploads } from './uploads/tus-uploads.js';

/** The fastify instance every route module receives: zod schemas give typed handlers and the OpenAPI document. */
export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** What the routes need; built once in buildApp. */
export interface ApiDeps {
  config: Config;
  redis: Redis;
  store: ObjectStore;
  queues: Queues;
  reels: ReelStore;
  uploads: TusUploads;
  direct: DirectUploads;
  sequences: SequenceUploads;
  sources: ExternalSources;
}

/** A host as a client may send it: a name or an IPv4 address, or a bracketed IPv6 one, with an optional port. */
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * An absolute link for responses and events: under PUBLIC_URL when set (the API behind a proxy), otherwise
 * at the origin the client reached this API at. A Host header that is not a plain host leaves a path.
 */
export function publicUrl(config: Config, path: string, request: { protocol: string; host: string }): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/+$/, '') + path;
  return HOST.test(request.host) ? `${request.protocol}://${request.host}${path}` : path;
}
