import type { ChunkPlan, Shot } from '../frames/plan.js';
import type { EditLogEntry } from './edits.js';
import { clearRegion, paintStroke, regionAt } from './mask-edits.js';

/**
 * A frame's final mask: its detected mask with every edit of the log that touches the frame replayed in order.
 * Replaying from the detected mask (never editing the last result in place) makes rebuilding idempotent:
 * a job that dies half-way and runs again writes the same masks.
 */
export function replayEdits(detected: Uint8Array, width: number, height: number, frame: number, shot: Shot, log: readonly EditLogEntry[]): Uint8Array {
  const mask = detected.slice();
  for (const e of log) {
    if (e.type === 'reject' && e.frame === frame) {
      const region = regionAt(mask, width, height, e.x, e.y);
      if (region) clearRegion(mask, region);
    } else if (e.type === 'add' && e.frame === frame) {
      paintStroke(mask, width, height, e.points, e.radius);
    } else if (e.type === 'revert-shot' && e.shot === shot.index) {
      mask.fill(0);
    } else if (e.type === 'accept-shot' && e.shot === shot.index) {
      mask.set(detected);
    }
  }
  return mask;
}

/** The frames whose final mask a set of edits changes. */
export function framesOf(edits: readonly EditLogEntry[], shots: readonly Shot[]): number[] {
  const frames = new Set<number>();
  for (const e of edits) {
    if (e.type === 'reject' || e.type === 'add') frames.add(e.frame);
    else {
      const shot = shots[e.shot];
      if (shot) for (let f = shot.start; f < shot.end; f++) frames.add(f);
    }
  }
  return [...frames].sort((a, b) => a - b);
}

/**
 * The chunks to repaint when `frames` change: each chunk holding one of them, and each whose frames take
 * one of them as a neighbour (within `radius`, in the same shot), since a neighbour's mask decides which of
 * its pixels may be copied.
 */
export function chunksFor(frames: readonly number[], chunks: readonly ChunkPlan[], radius: number): ChunkPlan[] {
  return chunks.filter((c) => frames.some((f) => f >= c.contextStart && f < c.contextEnd && f + radius >= c.start && f - radius < c.end));
}

export function shotOf(frame: number, shots: readonly Shot[]): Shot | undefined {
  return shots.find((s) => frame >= s.start && frame < s.end);
}
