import { reelKeys } from '../storage/keys.js';

/**
 * A segment job also computes masks for its chunk's context frames (they belong to neighbouring chunks,
 * whose own segment jobs may not have run yet); inpaint reads them from here. Deterministic keys keep reruns idempotent.
 */
export function contextMaskKey(reelId: string, shot: number, chunk: number, frame: number): string {
  return `${reelKeys(reelId).root}work/s${shot}-c${chunk}/mask-${String(frame).padStart(7, '0')}.png`;
}

/**
 * The mask of `frame` as seen by chunk (shot, chunk): its own masks, or its context masks. A review revision
 * reads the reel's final masks throughout: every frame has one by then, and the review may have changed it.
 */
export function maskKeyForChunk(reelId: string, c: { shot: number; chunk: number; start: number; end: number; revision?: number | undefined }, frame: number): string {
  return c.revision || (frame >= c.start && frame < c.end) ? reelKeys(reelId).mask(frame) : contextMaskKey(reelId, c.shot, c.chunk, frame);
}
