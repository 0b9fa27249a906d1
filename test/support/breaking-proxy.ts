import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server that breaks off connections as a dropped network does: the first
 * `times` requests whose bytes hold `marker` (a request line, say) are cut once `breakAfterBytes` bytes
 * from it have gone through. Connections are kept alive between requests, so the marker is looked for in
 * every chunk. Everything else passes untouched.
 */
export async function startBreakingProxy(
  target: string,
  opts: { breakAfterBytes: number; times: number; marker: string },
): Promise<{ url: string; breaks: () => number; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let breaks = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    let doomed = false;
    client.on('data', (chunk: Buffer) => {
      if (!doomed && breaks < opts.times && chunk.includes(opts.marker, 0, 'latin1')) {
        doomed = true;
        breaks++;
        sent = -chunk.indexOf(opts.marker, 0, 'latin1');
      }
      if (doomed && sent + chunk.length > opts.breakAfterBytes) {
        upstream.write(chunk.subarray(0, Math.max(0, opts.breakAfterBytes - sent)));
        client.destroy();
        upstream.destroy();
        return;
      }
      sent += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    breaks: () => breaks,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
