import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from '@reelrestore/shared/config';
import { createLogger, type Logger } from '@reelrestore/shared/logger';
import type { Queues } from '@reelrestore/shared/queues';
import { ReelStore } from '@reelrestore/shared/reels/reel-store';
import { ExternalSources } from '@reelrestore/shared/storage/external-sources';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import type { ApiDeps, App } from './deps.js';
import { registerAuth } from './plugins/auth.js';
import { registerConsole } from './plugins/console.js';
import { registerDeclaredLengthLimit } from './plugins/declared-length.js';
import { registerDocs } from './plugins/docs.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { directUploadRoutes } from './routes/direct-uploads.js';
import { sequenceUploadRoutes } from './routes/sequence-uploads.js';
import { healthRoutes } from './routes/health.js';
import { createReelBodyDocs, createReelRoute } from './routes/reels/create-reel.js';
import { reviewEditRoutes } from './routes/reels/review-edits.js';
import { truthMaskBodyDocs, truthMaskRoutes } from './routes/reels/truth-masks.js';
import { metricsRoute } from './plugins/metrics.js';
import { registerBodyDeadline, registerProtections } from './plugins/protections.js';
import { registerQueueDashboard } from './plugins/queue-dashboard.js';
import { getFrameRoutes } from './routes/reels/get-frames.js';
import { getOutputRoutes } from './routes/reels/get-outputs.js';
import { getReelRoutes } from './routes/reels/get-reel.js';
import { reelEventRoutes } from './routes/reels/reel-events.js';
import { uploadRoutes } from './routes/uploads.js';
import { DirectUploads } from './uploads/direct-uploads.js';
import { SequenceUploads } from './uploads/sequence-uploads.js';
import { createTusUploads } from './uploads/tus-uploads.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when shutdown begins, so /readyz turns 503 and traffic stops before the server closes. */
    shuttingDown: boolean;
  }
}

export interface BuildAppDeps {
  config: Config;
  redis: Redis;
  store: ObjectStore;
  queues: Queues;
  logger?: Logger;
  /** Per dependency in /readyz. */
  readinessTimeoutMs?: number;
}

/** JSON bodies only name sources and options; uploads are multipart and streamed, outside this limit. */
const JSON_BODY_LIMIT = 64 * 1024;

export async function buildApp(deps: BuildAppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: (deps.logger ?? createLogger('api', 'silent')) as FastifyBaseLogger,
    bodyLimit: JSON_BODY_LIMIT,
    // A connection that moves no byte either way for this long is closed: a client that stops sending
    // mid-body, or never finishes its headers, cannot hold it. (Uploads may take hours; only silence ends them.)
    connectionTimeout: deps.config.HTTP_IDLE_TIMEOUT_MS,
  }).withTypeProvider<ZodTypeProvider>();
  app.server.headersTimeout = Math.min(deps.config.HTTP_IDLE_TIMEOUT_MS, 20_000);
  // Node checks headersTimeout only this often (30 s by default, read when the server starts listening), so
  // a client trickling its headers a byte at a time was held for up to 30 s past it.
  (app.server as typeof app.server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    100,
    Math.min(1_000, Math.round(app.server.headersTimeout / 4)),
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('shuttingDown', false);

  registerErrorHandler(app);
  await registerProtections(app, {
    maxEventLoopDelayMs: deps.config.API_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: deps.config.API_MAX_HEAP_USED_BYTES,
    maxRssBytes: deps.config.API_MAX_RSS_BYTES,
  });
  registerBodyDeadline(app, deps.config.HTTP_REQUEST_TIMEOUT_MS);
  await registerDocs(app, deps.config, { 'POST /v1/reels': createReelBodyDocs, 'PUT /v1/reels/:id/truth/:n': truthMaskBodyDocs });
  registerAuth(app, deps.config.API_KEYS);
  registerDeclaredLengthLimit(app, deps.config.MAX_UPLOAD_BYTES);
  await registerRateLimit(app, { perMinute: deps.config.RATE_LIMIT_PER_MINUTE, redis: deps.redis, redisPrefix: deps.config.QUEUE_PREFIX });
  await app.register(multipart, {
    // One file per reel, at most MAX_UPLOAD_BYTES; past the limit the part is cut off and the route answers 413.
    limits: { fileSize: deps.config.MAX_UPLOAD_BYTES, fields: 10, fieldSize: 4096, parts: 20 },
    throwFileSizeLimit: false,
  });

  const uploads = createTusUploads({
    store: deps.store,
    redis: deps.redis,
    redisPrefix: deps.config.QUEUE_PREFIX,
    maxBytes: deps.config.MAX_UPLOAD_BYTES,
    publicUrl: deps.config.PUBLIC_URL,
  });
  const direct = new DirectUploads(deps.store, deps.redis, deps.config.QUEUE_PREFIX, deps.config.MAX_UPLOAD_BYTES);
  const sources = new ExternalSources(deps.config.SOURCES);
  const sequences = new SequenceUploads(deps.store, deps.redis, deps.config.QUEUE_PREFIX, deps.config.MAX_UPLOAD_BYTES);
  const api: ApiDeps = { ...deps, reels: new ReelStore(deps.redis, deps.config.QUEUE_PREFIX), uploads, direct, sources, sequences };
  healthRoutes(app, api, deps.readinessTimeoutMs ?? 2_000);
  metricsRoute(app, api);
  await registerQueueDashboard(app, api);
  createReelRoute(app, api);
  getReelRoutes(app, api);
  getOutputRoutes(app, api);
  getFrameRoutes(app, api);
  reviewEditRoutes(app, api);
  await truthMaskRoutes(app, api);
  reelEventRoutes(app, api);
  await uploadRoutes(app, api);
  await registerConsole(app);
  directUploadRoutes(app, api);
  await sequenceUploadRoutes(app, api);
  return app;
}
