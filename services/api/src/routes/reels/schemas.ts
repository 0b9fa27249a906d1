import { z } from 'zod';
import { OUTPUT_FILE_ROLES, REEL_STATES } from '@reelrestore/shared/reels/reel-record';

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
  manifest: z.string().describe('every output file with its size and SHA-256'),
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
  purgedAt: z.string().optional().describe('when its data was deleted from the store; it has no outputs since'),
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

// GET /v1/reels/:id/events (server-sent events) and the reel.progress webhook.

const stageProgress = z.object({ frames: z.number().describe('frames done'), percent: z.number().describe('0-100, whole') });

/** The `data` of a `progress` event, and of a `reel.progress` webhook (packages/shared/src/webhooks/reel-progress.ts). */
export const reelProgressEvent = z
  .object({
    id: z.string(),
    state: z.enum(REEL_STATES),
    percent: z.number().describe('the whole reel, 0-100, as progress.percent of the status; never decreases within a stream'),
    framesTotal: z.number(),
    segment: stageProgress,
    inpaint: stageProgress,
    shots: z
      .array(z.object({ index: z.number(), start: z.number(), end: z.number().describe('exclusive'), segment: stageProgress, inpaint: stageProgress }))
      .describe("in a stream, the first progress event lists every shot and later ones only the shots that moved since; a webhook lists every shot"),
    etaSeconds: z.number().nullable().describe('seconds left of the segment and inpaint work at the rate seen since it began; null until the first chunk is done, while stitching and once failed or cancelled'),
    queuePosition: z.number().nullable().describe("while queued, the reel's place among waiting probe jobs (1 = next); otherwise null"),
  })
  .describe('event: progress');

/** The `data` of a `state` event. */
export const reelStateEvent = z
  .object({
    id: z.string(),
    state: z.enum(REEL_STATES),
    at: z.string().describe('when the reel entered the state'),
    error: z.string().optional().describe('why the reel failed'),
  })
  .describe('event: state');

export const reelEventsHeaders = z.looseObject({
  'last-event-id': z
    .string()
    .optional()
    .describe("sent by EventSource on reconnecting: the stream goes on from that event (percent does not go back, the state is not repeated); after the terminal event, 204"),
});

/** One file of a completed reel's output manifest (GET /v1/reels/:id/output/manifest). */
export const manifestFile = z.object({
  name: z.string().describe('unique within the reel: restored.mkv, frames/<file name>, preview.mp4, report.json, masks/<frame>.png'),
  role: z.enum(OUTPUT_FILE_ROLES),
  size: z.number().int().describe('bytes'),
  sha256: z.string().describe('hex SHA-256 of the file, computed when it was stored'),
  contentType: z.string(),
  frame: z.number().int().optional().describe('masks: the frame number'),
  url: z.string().describe('the API route that serves the file (send the API key; Range requests work)'),
  presignedUrl: z.string().optional().describe('S3 stores only: a direct download from the store, no API key needed, until presignedUrlExpiresAt'),
  presignedUrlExpiresAt: z.string().optional(),
});

export const manifestBody = z.object({
  reelId: z.string(),
  kind: z.enum(['video', 'sequence']),
  createdAt: z.string().describe('when the stitch job wrote the outputs'),
  totalFiles: z.number().int().describe('files in the whole manifest, on every page'),
  totalBytes: z.number().int(),
  files: z.array(manifestFile).describe('the restored video or every restored frame, then the preview, report.json and every mask'),
  nextCursor: z.string().optional().describe('absent on the last page'),
});
