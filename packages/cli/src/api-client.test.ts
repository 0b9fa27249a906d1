import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from './api-client.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A stand-in API that answers 503 with Retry-After: 1 the first `busy` times, then 200. */
async function flakyApi(busy: number): Promise<{ url: string; seen: { method: string; url: string; at: number }[] }> {
  const seen: { method: string; url: string; at: number }[] = [];
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ method: req.method!, url: req.url!, at: Date.now() });
    req.resume();
    if (seen.length <= busy) {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ status: 503, detail: 'the service cannot reach its queue or its storage right now' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'r1', state: 'segmenting' }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

describe('ApiClient', () => {
  it('reads again after the Retry-After of a 503, and gets the answer', { timeout: 20_000 }, async () => {
    const api = await flakyApi(1);
    const reel = await new ApiClient(api.url, 'key').status('r1');
    expect(reel).toMatchObject({ id: 'r1', state: 'segmenting' });
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /v1/reels/r1', 'GET /v1/reels/r1']);
    // It waited for the Retry-After (a lower bound: the second read came no sooner than the server asked).
    expect(api.seen[1]!.at - api.seen[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('does not repeat a write answered 503: the caller decides (an Idempotency-Key makes that safe)', async () => {
    const api = await flakyApi(1);
    await expect(new ApiClient(api.url, 'key').cancel('r1')).rejects.toBeInstanceOf(ApiError);
    expect(api.seen).toHaveLength(1);
  });
});
