import { createServer, type Server } from 'node:http';
import { bearerMatches, metricsRegistry } from './metrics.js';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A worker's small HTTP port: GET /metrics (Prometheus text; with a token, only for `Authorization: Bearer
 * <token>`), /healthz (the process answers) and /readyz (it can take jobs: Redis answers and it is not draining).
 * The probes and the scraper need nothing more, so this is plain node:http rather than a framework.
 */
export async function startMetricsServer(opts: { host: string; port: number; token?: string | undefined; ready: () => Promise<boolean> }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'GET only\n');
    if (path === '/healthz') return send(200, 'ok\n');
    if (path === '/readyz') {
      void opts.ready().then(
        (ok) => send(ok ? 200 : 503, ok ? 'ready\n' : 'not ready\n'),
        () => send(503, 'not ready\n'),
      );
      return;
    }
    if (path === '/metrics') {
      if (opts.token && !bearerMatches(req.headers.authorization, opts.token)) return send(401, 'send the metrics token as "Authorization: Bearer <token>"\n');
      void metricsRegistry.metrics().then(
        (text) => send(200, text, metricsRegistry.contentType),
        (err: Error) => send(500, `${err.message}\n`),
      );
      return;
    }
    send(404, 'not found: /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return { url: `http://${host}:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
