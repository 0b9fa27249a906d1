import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const tick = () => new Promise((r) => setImmediate(r));

describe('InFlight', () => {
  it('starts the next task as soon as any one of the running ones finishes', async () => {
    const f = new InFlight(2);
    const a = deferred();
    const b = deferred();
    await f.add(a.promise);
    let added = false;
    const adding = f.add(b.promise).then(() => (added = true));
    await tick();
    expect(added).toBe(false);
    // b, the second, finishes first: the caller goes on while a still runs.
    b.resolve();
    await adding;
    expect(added).toBe(true);
    a.resolve();
    await f.drain();
  });

  it('runs the check between tasks only when it had to wait', async () => {
    const f = new InFlight(2);
    let checks = 0;
    const between = async () => void checks++;
    await f.add(Promise.resolve(), between);
    expect(checks).toBe(0);
    await f.add(Promise.resolve(), between);
    expect(checks).toBe(1);
    await f.drain();
  });

  it('rethrows the first failure only once every task has settled', async () => {
    const f = new InFlight(3);
    const slow = deferred();
    let slowDone = false;
    await f.add(slow.promise.then(() => (slowDone = true)));
    await f.add(Promise.reject(new Error('frame 7')));
    const last = f.add(Promise.reject(new Error('frame 8')));
    let caught: unknown = null;
    const waiting = last.catch((e: unknown) => (caught = e));
    await tick();
    expect(caught).toBeNull();
    slow.resolve();
    await waiting;
    expect(slowDone).toBe(true);
    expect((caught as Error).message).toBe('frame 7');
    await expect(f.drain()).rejects.toThrow('frame 7');
  });
});
