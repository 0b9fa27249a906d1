import { describe, expect, it } from 'vitest';
import { measureApiThroughput } from './api-throughput.js';

describe('api throughput', () => {
  // The rates themselves are the bench's to report; here only that every path moved every byte.
  it('moves the same bytes up (multipart and tus) and down through the real API, and reports each rate', async () => {
    const r = await measureApiThroughput(6 * 1024 * 1024);
    expect(r.bytes).toBe(6 * 1024 * 1024);
    for (const rate of [r.plain_copy_mb_s, r.multipart_upload_mb_s, r.tus_upload_mb_s, r.download_mb_s]) {
      expect(Number.isFinite(rate)).toBe(true);
      expect(rate).toBeGreaterThan(0);
    }
  });
});
