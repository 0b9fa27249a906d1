import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The built console (console/, `npm run build:console`), beside the services in the repo. */
export const CONSOLE_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../console/dist');

/**
 * The restorer's console at `/`: a single-page app served from the same origin as the API, which it calls
 * with the key entered once per browser session. Its files are public (they hold no data); everything it
 * shows comes through /v1 with the key. Without a build, `/` says how to make one.
 */
export async function registerConsole(app: FastifyInstance, dist = CONSOLE_DIST): Promise<void> {
  if (!existsSync(resolve(dist, 'index.html'))) {
    app.log.warn({ dist }, 'the console is not built: run npm run build:console');
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build:console` (npm test and npm run demo do).\n'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: dist, prefix: '/', index: 'index.html', wildcard: false, schemaHide: true });
}
