import { describe, expect, it } from 'vitest';
import { byteRange } from './byte-range.js';

describe('byteRange (RFC 9110 §14)', () => {
  it('reads the three forms of one byte range', () => {
    expect(byteRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(byteRange('bytes=900-', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(byteRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
  });

  it('clips a last position past the end, and a suffix longer than the file selects all of it', () => {
    expect(byteRange('bytes=990-5000', 1000)).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(byteRange('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
  });

  it('is unsatisfiable when the range starts at or past the end, for a zero suffix and on an empty file', () => {
    expect(byteRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=2000-3000', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=-10', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('answers the whole file to no Range, another unit, a malformed header, or If-Range (downloads have no validator)', () => {
    expect(byteRange(undefined, 1000)).toEqual({ kind: 'full' });
    expect(byteRange('items=0-5', 1000)).toEqual({ kind: 'full' });
    expect(byteRange('items=5000-', 1000)).toEqual({ kind: 'full' });
    expect(byteRange('bytes=abc', 1000)).toEqual({ kind: 'full' });
    expect(byteRange('bytes=1x-5', 1000)).toEqual({ kind: 'full' });
    expect(byteRange('bytes=0-99', 1000, { ifRange: true })).toEqual({ kind: 'full' });
  });

  it('merges touching ranges and answers disjoint ones with the whole file', () => {
    expect(byteRange('bytes=0-49, 50-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(byteRange('bytes=0-9, 500-509', 1000)).toEqual({ kind: 'full' });
    expect(byteRange('BYTES=0-9', 1000)).toEqual({ kind: 'partial', start: 0, end: 9 });
  });
});
