import { z } from 'zod';
import { REEL_STATES } from '@reelrestore/shared/reels/reel-record';

/** Response and parameter schemas shared by the reel routes; they also make the OpenAPI document. */

/** An RFC 9457 problem (plugins/error-handler.ts): `type` is stable per kind of error, `detail` says what to fix. */
export const problemBody = z.object({
  type: z.string().describe('urn:reelrestore:problem:<kind>, stable: switch on it'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
});
export const conflictBody = problemBody.extend({ state: z.enum(REEL_STATES) });

export const reelIdParams = z.object({ id: z.string().describe('reel id') });

export const acceptedBody = z.object({
  id: z.string(),
  state: z.enum(REEL_STATES),
  statusUrl: z.string().describe('where to poll the reel'),
});

const shot = z.object({ index: z.number(), start: z.number(), end: z.number(), segmented: z.number(), inpainted: z.number() });

const source = z.discriminatedUnion('type', [
  z.object({ type: z.literal('video'), key: z.string(), fileName: z.string(), size: z.number(), sha256: z.string().optional() }),
  z.object({ type: z.literal('sequence'), prefix: z.string(), frames: z.number(), size: z.number(), sha256: z.string().optional() }),
]);

export const reelLinks = z.object({
  self: z.string(),
  output: z.string(),
  preview: z.string(),
  report: z.string(),
  masks: z.string().describe('URL template: replace {frame} with a frame number'),
});

// The public shape of a reel: fields the pipeline adds to the record reach clients once they are listed here.
export const reelBody = z.object({
  id: z.string(),
  tenantId: z.string(),
  state: z.enum(REEL_STATES),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  source,
  options: z.object({ chunkFrames: z.number(), outputFormat: z.string() }),
  callbackUrl: z.string().optional(),
  error: z.string().optional().describe('why the reel failed'),
  media: z
    .object({
      width: z.number(),
      height: z.number(),
      frameCount: z.number(),
      fps: z.number(),
      codec: z.string(),
      pixFmt: z.string(),
      sourceBits: z.number(),
      channels: z.number(),
    })
    .optional(),
  progress: z.object({ framesTotal: z.number(), segmented: z.number(), inpainted: z.number(), percent: z.number() }),
  shots: z.array(shot),
  timings: z.partialRecord(z.enum(['probe', 'segment', 'inpaint', 'stitch']), z.number()).describe('summed worker milliseconds per stage'),
  damagedPixels: z.number(),
  outputs: z
    .object({
      kind: z.enum(['video', 'sequence']),
      output: z.string(),
      outputName: z.string(),
      preview: z.string(),
      report: z.string(),
      maskPrefix: z.string(),
    })
    .optional(),
  webhooks: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      attempt: z.number(),
      at: z.string(),
      status: z.number().optional(),
      error: z.string().optional(),
      ms: z.number(),
      delivered: z.boolean(),
    }),
  ),
  links: reelLinks.optional().describe('present once the reel is completed'),
});
