import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from '@reelrestore/shared/config';
import type { Queues } from '@reelrestore/shared/queues';
import type { ReelStore } from '@reelrestore/shared/reels/reel-store';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
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
}

/** Absolute when PUBLIC_URL is set (clients behind a proxy), otherwise a path. */
export function publicUrl(config: Config, path: string): string {
  return config.PUBLIC_URL ? config.PUBLIC_URL.replace(/\/+$/, '') + path : path;
}
