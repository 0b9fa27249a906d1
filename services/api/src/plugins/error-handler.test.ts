import { describe, expect, it } from 'vitest';
import { isDependencyDown } from './error-handler.js';

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
