/**
 * The contract of a restorer's review: the edits a client sends (POST /v1/reels/:id/edits) and the edit log
 * entries the reel keeps. A reel's final mask of a frame is its detected mask with every logged edit of that
 * frame (and of its shot) replayed in order (review/replay-edits.ts), so any job may rebuild it at any time.
 */
import { z } from 'zod';

const coordinate = z.number().int().min(0).max(65_535);
const frame = z.number().int().min(0).describe('frame number, from 0');

export const editSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('reject'), frame, x: coordinate, y: coordinate })
    .describe('put back the scan in the repaired region at (x, y) of the frame (a click on it)'),
  z
    .object({
      type: z.literal('add'),
      frame,
      points: z.array(z.tuple([coordinate, coordinate])).min(1).max(4_000).describe('the brush path, in frame pixels'),
      radius: z.number().int().min(1).max(128).describe('the brush radius in frame pixels'),
    })
    .describe('repaint what the brush covers: damage the detector missed'),
  z.object({ type: z.literal('revert-shot'), shot: z.number().int().min(0) }).describe('put back the scan on every frame of the shot'),
  z.object({ type: z.literal('accept-shot'), shot: z.number().int().min(0) }).describe("keep the detector's repairs on every frame of the shot, undoing earlier edits there"),
]);
export type Edit = z.infer<typeof editSchema>;

export const editsRequestSchema = z.object({
  edits: z.array(editSchema).min(1).max(500),
  /** Who made them, as the restorer's tool names them; the API key's tenant is recorded anyway. */
  author: z.string().trim().min(1).max(100).optional(),
});

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One edit as the reel keeps it: what was asked, by whom, when, and what it covered when it was made. */
export type EditLogEntry = Edit & {
  revision: number;
  at: string;
  by: string;
  /** The pixels the edit took out of or put into the mask, and their bounding box; shot edits: the whole shot's frames. */
  region?: Rect;
  pixels?: number;
  /** Shot edits: the frames they cover, [start, end). */
  frames?: { start: number; end: number };
};

/** Everything a reel's review is: the revision its outputs show and every edit that made it, oldest first. */
export interface ReviewState {
  revision: number;
  edits: EditLogEntry[];
}
