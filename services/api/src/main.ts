import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfigOrExit } from '@reelrestore/shared/config';
import { createLogger } from '@reelrestore/shared/logger';
import { startProcessMetrics } from '@reelrestore/shared/metrics/metrics';
import { startApi } from './start-api.js';

/**
 * The API process. On SIGTERM readiness turns 503 first and the server keeps serving for a moment, so the
 * load balancer stops sending traffic before connections close; then in-flight requests get until
 * SHUTDOWN_TIMEOUT_MS. A second signal exits at once.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit('api');
  const logger = createLogger('api', config.LOG_LEVEL);
  startProcessMetrics('api');
  const api = await startApi(config, { logger });
  logger.info({ url: api.url }, 'api listening');

  const readinessGraceMs = Math.min(5_000, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 3));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    api.app.shuttingDown = true;
    logger.info({ signal, readinessGraceMs }, 'shutting down: readiness now fails');
    await sleep(readinessGraceMs);
    const clean = await api.close(config.SHUTDOWN_TIMEOUT_MS - readinessGraceMs);
    logger.info({ clean }, 'stopped');
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('api: failed to start:', err);
  process.exit(1);
});
