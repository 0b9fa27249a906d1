import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startApi } from '@reelrestore/api';
import { inpaintService } from '@reelrestore/inpaint-worker';
import { pipelineService } from '@reelrestore/pipeline-worker';
import { segmentService } from '@reelrestore/segment-worker';
import { loadConfig } from '@reelrestore/shared/config';
import { createLogger } from '@reelrestore/shared/logger';
import { PrivateRedis } from '@reelrestore/shared/redis-server';
import { closeDeps, openDeps, startService } from '@reelrestore/shared/workers/service';

export interface LocalStack {
  apiUrl: string;
  apiKey: string;
  close(): Promise<void>;
}

/**
 * The whole service on one machine, on the embedded defaults: a private redis-server (unless REDIS_URL
 * is set), storage in a local folder, the API on a loopback port and every worker in this process.
 */
export async function startLocalStack(opts: { dataDir: string; logLevel?: string }): Promise<LocalStack> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const redis = process.env.REDIS_URL ? null : await new PrivateRedis({ dir: join(dataDir, 'redis') }).start();
  const apiKey = `rr_local_${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    ...process.env,
    // The CLI prints a failed reel's reason itself; worker logs are for operators who ask for them.
    LOG_LEVEL: opts.logLevel ?? process.env.LOG_LEVEL ?? 'fatal',
    REDIS_URL: redis?.url ?? process.env.REDIS_URL,
    STORAGE_URL: process.env.STORAGE_URL ?? `file://${join(dataDir, 'store')}`,
    HOST: '127.0.0.1',
    PORT: '0',
    // One user, every worker in this process: a worker's pause must not turn the user's own upload away.
    API_MAX_EVENT_LOOP_DELAY_MS: '0',
    API_KEYS: `local:${createHash('sha256').update(apiKey).digest('hex')}`,
  });
  const logger = createLogger('reelrestore', config.LOG_LEVEL);
  const deps = openDeps(config, logger);
  const workers = startService([pipelineService(deps), segmentService(config), inpaintService(config)], deps);
  const api = await startApi(config, { logger });
  return {
    apiUrl: api.url,
    apiKey,
    async close() {
      await api.close();
      await workers.close(5_000);
      await closeDeps(deps);
      await redis?.stop();
    },
  };
}
