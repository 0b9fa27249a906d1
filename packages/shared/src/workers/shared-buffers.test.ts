import { describe, expect, it } from 'vitest';
import { SharedBuffers } from './shared-buffers.js';

describe('SharedBuffers', () => {
  it('hands a buffer given back out again, and a new one when none is free', () => {
    const pool = new SharedBuffers(4);
    const a = pool.take(64);
    const b = pool.take(64);
    expect(b).not.toBe(a);
    pool.give(a);
    expect(pool.take(64)).toBe(a);
    expect(pool.take(64)).not.toBe(b);
    expect(pool.allocated).toBe(3);
  });

  it('keeps only its own buffers, once each, of the size last asked for, up to its limit', () => {
    const pool = new SharedBuffers(2);
    const own = [pool.take(64), pool.take(64), pool.take(64)];
    pool.give(new SharedArrayBuffer(64));
    pool.give(new ArrayBuffer(64));
    expect(pool.held).toBe(0);
    pool.give(own[0]!);
    pool.give(own[0]!);
    expect(pool.held).toBe(1);
    for (const b of own) pool.give(b);
    expect(pool.held).toBe(2);
    // Another size: the old buffers are let go, and come back to nothing.
    const other = pool.take(128);
    expect(other.byteLength).toBe(128);
    expect(pool.held).toBe(0);
    pool.give(own[2]!);
    expect(pool.held).toBe(0);
  });
});
