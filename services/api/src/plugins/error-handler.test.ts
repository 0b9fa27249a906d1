import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@reelrestore/shared/logger';
import { isDependencyDown, registerErrorHandler } from './error-handler.js';

describe('isDependencyDown', () => {
  it("takes the S3 client's timeouts and socket errors for a store that is down, and nothing else", () => {
    // What @smithy/node-http-handler rejects with when the store does not accept the connection in time: no code.
    const connect = Object.assign(new Error('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.'), { name: 'TimeoutError' });
    expect(isDependencyDown(connect)).toBe(true);
    expect(isDependencyDown(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDependencyDown(Object.assign(new Error('the operation timed out'), { name: 'TimeoutError' }))).toBe(false);
    expect(isDependencyDown(new Error('object reels/x not found'))).toBe(false);
  });
});

describe('registerErrorHandler', () => {
  it('logs one warning, not one per request, while a dependency is down; each request still gets 503 + Retry-After', async () => {
    const lines: { msg: string; repeated?: number }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = Fastify({ loggerInstance: createLogger('api', 'warn', sink) as FastifyBaseLogger });
    registerErrorHandler(app);
    app.get('/v1/reels', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    });
    try {
      for (let i = 0; i < 25; i++) {
        const res = await app.inject({ method: 'GET', url: '/v1/reels' });
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
      }
      expect(lines.filter((l) => l.msg === 'a dependency is unreachable')).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
