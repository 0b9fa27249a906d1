import type { Config } from '../config.js';

/** The most frames a reel may ask a chunk to hold (its `options.chunkFrames`). */
export const MAX_CHUNK_FRAMES = 256;

type BudgetTerms = Pick<Config, 'JOB_BUDGET_BASE_MS' | 'JOB_BUDGET_MS_PER_MEGAPIXEL'>;

/**
 * Frames per chunk for frames of this size: the reel's choice, but no more than fit in `maxMegapixels` (at
 * least one). A chunk is a worker's unit of work and of drain, so at 4K and 8K it holds fewer frames and its
 * time budget, and the grace period a worker needs to finish it, stay bounded whatever the scan's size.
 */
export function framesPerChunk(chunkFrames: number, frameMegapixels: number, maxMegapixels: number): number {
  return Math.max(1, Math.min(chunkFrames, Math.floor(maxMegapixels / frameMegapixels)));
}

/** A segment or inpaint chunk's time budget: a base, plus so much per megapixel of each of its frames. */
export function chunkBudgetMs(config: BudgetTerms, frames: number, frameMegapixels: number): number {
  // AbortSignal.timeout takes whole milliseconds.
  return Math.ceil(config.JOB_BUDGET_BASE_MS + frames * frameMegapixels * config.JOB_BUDGET_MS_PER_MEGAPIXEL);
}

/**
 * The longest budget any chunk may get under these settings (a draining worker's deadline must be above it):
 * the most megapixels a chunk may hold, which is CHUNK_MAX_MEGAPIXELS, or one frame where a frame is larger.
 */
export function longestChunkBudgetMs(
  config: BudgetTerms & Pick<Config, 'CHUNK_MAX_MEGAPIXELS' | 'MAX_FRAME_PIXELS' | 'MAX_FRAME_WIDTH' | 'MAX_FRAME_HEIGHT'>,
): number {
  const largestFrame = Math.min(config.MAX_FRAME_PIXELS, config.MAX_FRAME_WIDTH * config.MAX_FRAME_HEIGHT) / 1e6;
  const largestChunk = Math.min(MAX_CHUNK_FRAMES * largestFrame, Math.max(config.CHUNK_MAX_MEGAPIXELS, largestFrame));
  return chunkBudgetMs(config, 1, largestChunk);
}
