import { framesPerChunk } from '@reelrestore/shared/frames/chunk-size';
import type { ChunkPlan, Shot } from '@reelrestore/shared/frames/plan';

export interface ChunkSizing {
  /** Frames per chunk the reel asked for. */
  chunkFrames: number;
  /** Context frames read on each side of a chunk. */
  contextFrames: number;
  /** One frame's size, and the most megapixels of frames a chunk may hold (CHUNK_MAX_MEGAPIXELS). */
  frameMegapixels: number;
  maxChunkMegapixels: number;
}

/**
 * Splits every shot into chunks of the reel's frames per chunk (fewer where its frames are large, see
 * framesPerChunk) and gives each chunk `contextFrames` of context on each side, clipped at the shot's ends: a
 * neighbour across a cut is another picture.
 */
export function planChunks(shots: Shot[], sizing: ChunkSizing): ChunkPlan[] {
  const step = framesPerChunk(sizing.chunkFrames, sizing.frameMegapixels, sizing.maxChunkMegapixels);
  const chunks: ChunkPlan[] = [];
  for (const shot of shots) {
    let chunk = 0;
    for (let start = shot.start; start < shot.end; start += step) {
      const end = Math.min(start + step, shot.end);
      chunks.push({
        shot: shot.index,
        chunk: chunk++,
        start,
        end,
        contextStart: Math.max(shot.start, start - sizing.contextFrames),
        contextEnd: Math.min(shot.end, end + sizing.contextFrames),
      });
    }
  }
  return chunks;
}
