import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { chunkBudgetMs, framesPerChunk, longestChunkBudgetMs, MAX_CHUNK_FRAMES } from './chunk-size.js';

describe('chunk size', () => {
  it("keeps a reel's frames per chunk at 2K and holds fewer at 4K and 8K, never none", () => {
    expect(framesPerChunk(32, (2048 * 1556) / 1e6, 256)).toBe(32);
    expect(framesPerChunk(32, (4096 * 3112) / 1e6, 256)).toBe(20);
    expect(framesPerChunk(32, (8192 * 6144) / 1e6, 256)).toBe(5);
    expect(framesPerChunk(32, (8192 * 6144) / 1e6, 16)).toBe(1);
    expect(framesPerChunk(256, 0.01, 256)).toBe(256);
  });

  it('bounds the longest budget by the megapixels a chunk may hold, or one frame where a frame is larger', () => {
    const terms = { JOB_BUDGET_BASE_MS: 60_000, JOB_BUDGET_MS_PER_MEGAPIXEL: 3_000, MAX_FRAME_WIDTH: 8192, MAX_FRAME_HEIGHT: 8192 };
    expect(longestChunkBudgetMs({ ...terms, CHUNK_MAX_MEGAPIXELS: 256, MAX_FRAME_PIXELS: 8192 * 6144 })).toBe(60_000 + 256 * 3_000);
    expect(longestChunkBudgetMs({ ...terms, CHUNK_MAX_MEGAPIXELS: 16, MAX_FRAME_PIXELS: 50e6 })).toBe(60_000 + 50 * 3_000);
    // Tiny frames: a chunk holds at most MAX_CHUNK_FRAMES of them, whatever the megapixel cap.
    expect(longestChunkBudgetMs({ ...terms, CHUNK_MAX_MEGAPIXELS: 10_000, MAX_FRAME_PIXELS: 1e6, MAX_FRAME_WIDTH: 1000, MAX_FRAME_HEIGHT: 1000 })).toBe(60_000 + MAX_CHUNK_FRAMES * 3_000);
  });

  it('gives every chunk the reel plans a budget no longer than the longest, at any frame size the limits allow', () => {
    const config = loadConfig({});
    const longest = longestChunkBudgetMs(config);
    for (const [w, h] of [[16, 16], [720, 576], [2048, 1556], [4096, 3112], [8192, 6144]] as const) {
      const mp = (w * h) / 1e6;
      for (const asked of [4, 32, MAX_CHUNK_FRAMES]) expect(chunkBudgetMs(config, framesPerChunk(asked, mp, config.CHUNK_MAX_MEGAPIXELS), mp)).toBeLessThanOrEqual(longest);
    }
  });
});
