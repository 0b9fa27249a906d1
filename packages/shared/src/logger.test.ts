import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, throttledWarn } from './logger.js';

function capture() {
  const lines: { msg: string; err: string; repeated: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('test', 'info', sink), lines };
}

describe('throttledWarn', () => {
  it('logs a repeating error once, then at most once per window with the count it left out', () => {
    const { logger, lines } = capture();
    let now = 0;
    const warn = throttledWarn(logger, 'redis connection error', 30_000, () => now);
    // 10 a second for a minute and a half.
    for (; now < 90_000; now += 100) warn(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(lines.map((l) => [l.msg, l.err, l.repeated])).toEqual([
      ['redis connection error', 'connect ECONNREFUSED 127.0.0.1:6379', 0],
      ['redis connection error', 'connect ECONNREFUSED 127.0.0.1:6379', 299],
      ['redis connection error', 'connect ECONNREFUSED 127.0.0.1:6379', 299],
    ]);
  });

  it('keeps alternating messages bounded: each once per window, not every time the other came between', () => {
    const { logger, lines } = capture();
    let now = 0;
    const warn = throttledWarn(logger, 'a dependency is unreachable', 30_000, () => now);
    for (let i = 0; i < 1_000; i++, now += 50) warn(new Error(i % 2 ? 'connect ECONNREFUSED 10.0.0.1:6379' : 'Connection is closed.'));
    // 50 s: each message's first line and one more after 30 s.
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.err === 'Connection is closed.').map((l) => l.repeated)).toEqual([0, 299]);
    // A message that stopped and comes back after a quiet spell is logged again at once.
    now += 60_000;
    warn('Connection is closed.');
    expect(lines).toHaveLength(5);
  });
});
