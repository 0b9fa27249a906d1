/**
 * Every queue, its payload and its result, in one place.
 *
 * A reel's work: `probe` (read the media, find shots, plan chunks) adds one BullMQ flow per reel:
 *   stitch(reel) ← inpaint(shot, chunk) ← segment(shot, chunk)
 * `webhook` delivers signed completion/failure events from its own queue.
 * `review` applies a restorer's edits to a completed reel's masks (review/edits.ts) and adds a smaller flow:
 *   stitch(reel, revision) ← inpaint(shot, chunk, revision), for the chunks the edits touch.
 *
 * Payloads carry keys and numbers, never pixels. They are validated when enqueued and again when taken.
 */
import { z } from 'zod';

export const QUEUES = ['probe', 'segment', 'inpaint', 'stitch', 'webhook', 'review'] as const;
export type QueueName = (typeof QUEUES)[number];

const reelId = z.string().regex(/^[0-9a-z]{9}[0-9a-f]{16}$/);
/**
 * The review revision a job renders: absent for the reel's first pass, 1, 2, … after each set of edits.
 * A revision's inpaint reads the reel's final masks for every frame of its window (all exist by then).
 */
const revision = z.number().int().min(1).optional();

export const probePayload = z.object({ reelId });

/** One chunk of one shot: frames [start, end) are processed, [contextStart, contextEnd) may be read. */
export const chunkPayload = z.object({
  reelId,
  shot: z.number().int().min(0),
  chunk: z.number().int().min(0),
  start: z.number().int().min(0),
  end: z.number().int().min(1),
  contextStart: z.number().int().min(0),
  contextEnd: z.number().int().min(1),
  revision,
});
export type ChunkPayload = z.infer<typeof chunkPayload>;

export const stitchPayload = z.object({ reelId, revision });

/** `nonce` ties the job to the one edit request that reopened the reel at `revision`. */
export const reviewPayload = z.object({ reelId, revision: z.number().int().min(1), nonce: z.string().regex(/^[0-9a-f]{16}$/) });

export const webhookPayload = z.object({
  reelId,
  tenantId: z.string(),
  /** Stable per event so a receiver can de-duplicate retries (Standard Webhooks `webhook-id`). */
  eventId: z.string(),
  type: z.enum(['reel.completed', 'reel.failed']),
});

export const jobPayloads = {
  probe: probePayload,
  segment: chunkPayload,
  inpaint: chunkPayload,
  stitch: stitchPayload,
  webhook: webhookPayload,
  review: reviewPayload,
} satisfies Record<QueueName, z.ZodType>;

export type JobPayload<Q extends QueueName> = z.infer<(typeof jobPayloads)[Q]>;

export interface SegmentResult {
  frames: number;
  /** Frame pixels looked at: frames × width × height. */
  pixels: number;
  damagedPixels: number;
  ms: number;
}
export interface InpaintResult {
  frames: number;
  /** Frame pixels of the chunk: frames × width × height. */
  pixels: number;
  patchedPixels: number;
  ms: number;
}
export interface JobResults {
  probe: { frames: number; shots: number; chunks: number };
  segment: SegmentResult;
  inpaint: InpaintResult;
  stitch: { outputKey: string; ms: number };
  webhook: { status: number };
  review: { frames: number; chunks: number } | { skipped: string };
}

export function parsePayload<Q extends QueueName>(queue: Q, data: unknown): JobPayload<Q> {
  return jobPayloads[queue].parse(data) as JobPayload<Q>;
}

/** Deterministic, colon-free job ids: a rerun of the same plan never duplicates work. */
export const jobIds = {
  probe: (reelId: string) => `r${reelId}-probe`,
  segment: (reelId: string, shot: number, chunk: number) => `r${reelId}-s${shot}-c${chunk}-segment`,
  inpaint: (reelId: string, shot: number, chunk: number, revision?: number) => `r${reelId}-s${shot}-c${chunk}-inpaint${revisionSuffix(revision)}`,
  stitch: (reelId: string, revision?: number) => `r${reelId}-stitch${revisionSuffix(revision)}`,
  webhook: (eventId: string) => `w${eventId}`,
  review: (reelId: string, revision: number, nonce: string) => `r${reelId}-review-v${revision}-${nonce}`,
};

const revisionSuffix = (revision?: number) => (revision ? `-v${revision}` : '');
