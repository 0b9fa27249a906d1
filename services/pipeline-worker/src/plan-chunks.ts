import type { ChunkPlan, Shot } from '@reelrestore/shared/frames/plan';

/**
 * Splits every shot into chunks of `chunkFrames` and gives each chunk `contextFrames` of context on each
 * side, clipped at the shot's ends: a neighbour across a cut is another picture.
 */
export function planChunks(shots: Shot[], chunkFrames: number, contextFrames: number): ChunkPlan[] {
  const chunks: ChunkPlan[] = [];
  for (const shot of shots) {
    let chunk = 0;
    for (let start = shot.start; start < shot.end; start += chunkFrames) {
      const end = Math.min(start + chunkFrames, shot.end);
      chunks.push({
        shot: shot.index,
        chunk: chunk++,
        start,
        end,
        contextStart: Math.max(shot.start, start - contextFrames),
        contextEnd: Math.min(shot.end, end + contextFrames),
      });
    }
  }
  return chunks;
}
