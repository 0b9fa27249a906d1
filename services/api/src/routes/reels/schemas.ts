import { z } from 'zod';
import { OUTPUT_FILE_ROLES, REEL_STATES } from '@reelrestore/shared/reels/reel-record';
import { editSchema, editsRequestSchema } from '@reelrestore/shared/review/edits';
import type { WebhookBody } from '@reelrestore/shared/webhooks/deliver-webhook';
import type { ProgressWebhookBody } from '@reelrestore/shared/webhooks/notify-reel-progress';
import type { ReelProgress } from '@reelrestore/shared/webhooks/reel-progress';

/**
 * Response and parameter schemas shared by the reel routes; they also make the OpenAPI document. The ones
 * registered with `component()` are named schemas of the document (components.schemas, referenced by $ref).
 */

/**
 * Registers a schema as a named component of the OpenAPI document (fastify-type-provider-zod references
 * every schema of zod's global registry that has an id), with examples the compiler checks against it.
 */
function component<T extends z.ZodType>(schema: T, id: string, examples: z.output<T>[], description?: string): T {
  // In place, keeping what .describe() set: the schema stays the same object the routes use.
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id, examples, ...(description ? { description } : {}) });
  return schema;
}

// The examples describe one reel, as it would look on a real deployment.
const REEL_ID = '0mbgaxsm08f3c9d2e4b5a6f71';
const REEL_URL = `https://restore.example.com/v1/reels/${REEL_ID}`;
const CREATED_AT = '2025-06-03T09:14:07.512Z';
const FINISHED_AT = '2025-06-03T09:31:52.204Z';

/** An RFC 9457 problem (plugins/error-handler.ts): `type` is stable per kind of error, `detail` says what to fix. */
export const problemBody = component(
  z.object({
    type: z.string().describe('urn:reelrestore:problem:<kind>, stable: switch on it'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  }),
  'Problem',
  [
    {
      type: 'urn:reelrestore:problem:not-found',
      title: 'Not Found',
      status: 404,
      detail: `reel ${REEL_ID} not found`,
      instance: `/v1/reels/${REEL_ID}`,
    },
  ],
  'An RFC 9457 problem (application/problem+json). `type` is urn:reelrestore:problem:<kind> and stable per kind of error; `detail` says what to fix.',
);
export const conflictBody = component(
  problemBody.extend({ state: z.enum(REEL_STATES).describe("the reel's state, which does not allow the request") }),
  'Conflict',
  [
    {
      type: 'urn:reelrestore:problem:conflict',
      title: 'Conflict',
      status: 409,
      detail: `reel ${REEL_ID} is inpainting; its outputs exist once it is completed`,
      instance: `/v1/reels/${REEL_ID}/output`,
      state: 'inpainting',
    },
  ],
  "A problem (RFC 9457) about the reel's state, which it carries.",
);

export const reelIdParams = z.object({ id: z.string().describe('reel id').meta({ examples: [REEL_ID] }) });

export const acceptedBody = component(
  z.object({
    id: z.string(),
    state: z.enum(REEL_STATES),
    statusUrl: z.string().describe('where to poll the reel'),
  }),
  'Accepted',
  [{ id: REEL_ID, state: 'queued', statusUrl: REEL_URL }],
  'The reel was accepted (also in the Location header); poll statusUrl.',
);

const shot = z.object({ index: z.number(), start: z.number(), end: z.number(), segmented: z.number(), inpainted: z.number(), damagedPixels: z.number().describe('pixels the detector marked in its frames') });

/** The reel's overall progress, in its status and in its completed and failed webhooks. */
const reelProgressSummary = z.object({ framesTotal: z.number(), segmented: z.number(), inpainted: z.number(), percent: z.number() });

const source = z.discriminatedUnion('type', [
  z.object({ type: z.literal('video'), key: z.string(), fileName: z.string(), size: z.number(), sha256: z.string().optional(), external: z.string().optional().describe('the registered archive bucket (SOURCES) it is read from, in place') }),
  z.object({ type: z.literal('sequence'), prefix: z.string(), frames: z.number(), size: z.number(), sha256: z.string().optional(), external: z.string().optional().describe('the registered archive bucket (SOURCES) it is read from, in place') }),
]);

/** A completed reel's links under `base` (its absolute URL): one shape for the responses and the examples. */
export function linksAt(base: string) {
  return {
    self: base,
    output: `${base}/output`,
    manifest: `${base}/output/manifest`,
    preview: `${base}/preview`,
    report: `${base}/report`,
    masks: `${base}/masks/{frame}`,
  };
}

export const reelLinks = component(
  z.object({
    self: z.string(),
    output: z.string(),
    manifest: z.string().describe('every output file with its size and SHA-256'),
    preview: z.string(),
    report: z.string(),
    masks: z.string().describe('URL template: replace {frame} with a frame number'),
  }),
  'ReelLinks',
  [
    linksAt(REEL_URL),
  ],
  "A completed reel's downloads (absolute URLs; send the API key).",
);

// The public shape of a reel: fields the pipeline adds to the record reach clients once they are listed here.
export const reelBody = component(z.object({
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
  progress: reelProgressSummary,
  shots: z.array(shot),
  timings: z.partialRecord(z.enum(['probe', 'segment', 'inpaint', 'stitch']), z.number()).describe('summed worker milliseconds per stage'),
  damagedPixels: z.number(),
  warnings: z.array(z.string()).optional().describe('what to know about the input though the reel completes, e.g. frames missing from a sequence\'s numbering'),
  expectedFrames: z.number().int().optional().describe("frames the source should hold: a video's count from its index or packets, checked against what its container declares for the video stream; a sequence's files plus the numbers missing between them"),
  decodedFrames: z.number().int().optional().describe('frames decoded from the source when it was probed; a video that decodes fewer than expected fails where its decoder reported damage or a cut, and otherwise completes with a warning naming both counts'),
  truth: z.boolean().optional().describe('known damage masks are attached (PUT /truth/{n}): the console colours hits, false alarms and misses'),
  revision: z.number().optional().describe("the review revision its outputs show: one more after each set of a restorer's edits (POST /edits)"),
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
}), 'Reel', [
  {
    id: REEL_ID,
    tenantId: 'acme',
    state: 'completed',
    createdAt: CREATED_AT,
    updatedAt: FINISHED_AT,
    finishedAt: FINISHED_AT,
    source: {
      type: 'video',
      key: `reels/${REEL_ID}/source/reel1.mkv`,
      fileName: 'reel1.mkv',
      size: 1_873_204_224,
      sha256: 'c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2',
    },
    options: { chunkFrames: 32, outputFormat: 'ffv1' },
    callbackUrl: 'https://archive.example.org/hooks/reelrestore',
    media: { width: 2048, height: 1556, frameCount: 1440, fps: 24, codec: 'ffv1', pixFmt: 'gray16le', sourceBits: 16, channels: 1 },
    progress: { framesTotal: 1440, segmented: 1440, inpainted: 1440, percent: 100 },
    shots: [
      { index: 0, start: 0, end: 612, segmented: 612, inpainted: 612, damagedPixels: 7_120_330 },
      { index: 1, start: 612, end: 1440, segmented: 828, inpainted: 828, damagedPixels: 11_114_081 },
    ],
    timings: { probe: 1840, segment: 412_300, inpaint: 288_150, stitch: 40_210 },
    damagedPixels: 18_234_411,
    outputs: {
      kind: 'video',
      output: `reels/${REEL_ID}/output/reel1.restored.mkv`,
      outputName: 'reel1.restored.mkv',
      preview: `reels/${REEL_ID}/output/preview.mp4`,
      report: `reels/${REEL_ID}/report.json`,
      maskPrefix: `reels/${REEL_ID}/masks/`,
    },
    webhooks: [
      { eventId: `evt_${REEL_ID}_completed`, type: 'reel.completed', attempt: 1, at: FINISHED_AT, status: 200, ms: 84, delivered: true },
    ],
    links: linksAt(REEL_URL),
  },
], 'A reel: its state, progress per stage and shot, timings, webhook attempts and, once completed, links to its outputs.');

const queuedReel: z.output<typeof reelBody> = {
  id: '0mbgb2k7q41d07c6ae95b3f28',
  tenantId: 'acme',
  state: 'queued',
  createdAt: '2025-06-03T09:20:44.031Z',
  updatedAt: '2025-06-03T09:20:44.031Z',
  source: { type: 'sequence', prefix: 'tenants/acme/sources/reel2/', frames: 2880, size: 27_316_224_000 },
  options: { chunkFrames: 32, outputFormat: 'ffv1' },
  progress: { framesTotal: 0, segmented: 0, inpainted: 0, percent: 0 },
  shots: [],
  timings: {},
  damagedPixels: 0,
  webhooks: [],
};

/** GET /v1/reels: one page of the tenant's reels. */
export const reelListBody = component(
  z.object({ reels: z.array(reelBody), nextCursor: z.string().optional().describe('absent on the last page') }),
  'ReelList',
  [{ reels: [queuedReel], nextCursor: queuedReel.id }],
  "A page of the tenant's reels, newest first: follow nextCursor for the next.",
);

/** DELETE /v1/reels/:id?purge=true. */
export const purgedBody = component(
  z.object({ id: z.string(), state: z.enum(REEL_STATES), purgedAt: z.string() }),
  'Purged',
  [{ id: REEL_ID, state: 'completed', purgedAt: '2025-06-10T08:00:12.417Z' }],
  "The reel's data was deleted from the store (its record stays).",
);

/** DELETE /v1/reels/:id. */
export const cancelledBody = component(
  z.object({ id: z.string(), state: z.literal('cancelled') }),
  'Cancelled',
  [{ id: REEL_ID, state: 'cancelled' }],
  'The reel was cancelled: queued work is removed, running jobs stop at their next check.',
);

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
    error: z.string().optional().describe('why the reel failed'),
  })
  .describe('event: state; in pipeline order, one for each state the reel went through while the stream was open');

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

/** A reel part way through, as a progress event and a reel.progress webhook show it. */
const PROGRESS_EXAMPLE: z.infer<typeof reelProgressEvent> = {
    id: REEL_ID,
    state: 'inpainting',
    percent: 57,
    framesTotal: 1440,
    segment: { frames: 1024, percent: 71 },
    inpaint: { frames: 640, percent: 44 },
    shots: [
      { index: 0, start: 0, end: 612, segment: { frames: 612, percent: 100 }, inpaint: { frames: 512, percent: 83 } },
      { index: 1, start: 612, end: 1440, segment: { frames: 412, percent: 49 }, inpaint: { frames: 128, percent: 15 } },
    ],
    etaSeconds: 412,
    queuePosition: null,
  };

component(reelProgressEvent, 'ReelProgress', [PROGRESS_EXAMPLE]);

component(reelStateEvent, 'ReelStateEvent', [{ id: REEL_ID, state: 'inpainting' }]);

/** The restored video's entry in the manifest examples. */
const VIDEO_FILE_EXAMPLE: z.infer<typeof manifestFile> = {
    name: 'restored.mkv',
    role: 'video',
    size: 1_912_442_880,
    sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
    contentType: 'video/x-matroska',
    url: `${REEL_URL}/output`,
  };

component(manifestFile, 'ManifestFile', [VIDEO_FILE_EXAMPLE]);

component(
  manifestBody,
  'Manifest',
  [
    {
      reelId: REEL_ID,
      kind: 'video',
      createdAt: FINISHED_AT,
      totalFiles: 1443,
      totalBytes: 1_951_817_043,
      files: [
        VIDEO_FILE_EXAMPLE,
        {
          name: 'preview.mp4',
          role: 'preview',
          size: 38_211_093,
          sha256: 'e3c8a1f09b7d2a64c5e01d8f3b9a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b',
          contentType: 'video/mp4',
          url: `${REEL_URL}/preview`,
          presignedUrl: `https://restore-outputs.s3.eu-west-1.amazonaws.com/reels/${REEL_ID}/output/preview.mp4?X-Amz-Expires=3600&X-Amz-Signature=…`,
          presignedUrlExpiresAt: '2025-06-03T10:31:52.204Z',
        },
        {
          name: 'masks/000000.png',
          role: 'mask',
          size: 1_402,
          sha256: '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
          contentType: 'image/png',
          frame: 0,
          url: `${REEL_URL}/masks/0`,
        },
      ],
      nextCursor: '3',
    },
  ],
  "A page of a completed reel's output files; follow nextCursor for the next.",
);

// report.json (services/pipeline-worker/src/write-report.ts, buildReport): what a restorer checks first.

const stageMs = z.object({ segment: z.number().describe('summed worker milliseconds'), inpaint: z.number() });

/** One entry of a reel's edit log (its review, and report.json). */
const rect = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });
const editLogEntry = z.intersection(
  editSchema,
  z.object({
    revision: z.number().describe('the revision the edit made'),
    at: z.string(),
    by: z.string().describe("the author the request named, or the API key's tenant"),
    region: rect.optional().describe('bounding box of the pixels it took out of or put into the mask'),
    pixels: z.number().optional(),
    frames: z.object({ start: z.number(), end: z.number() }).optional().describe('shot edits: the frames they cover, [start, end)'),
  }),
);

export const reportBody = component(
  z.object({
    reelId: z.string(),
    source: z
      .object({
        kind: z.enum(['video', 'sequence']),
        layout: z.object({
          width: z.number().int(),
          height: z.number().int(),
          channels: z.union([z.literal(1), z.literal(3)]).describe('1 grey, 3 RGB'),
          bits: z.union([z.literal(8), z.literal(16)]).describe('bits per sample as the frames were processed'),
        }),
        frameCount: z.number().int(),
        fps: z.object({ num: z.number().int(), den: z.number().int() }).describe('frames per second as a rational, e.g. 24000/1001'),
        codec: z.string(),
        pixFmt: z.string().describe("ffmpeg's pixel format of the source"),
        sourceBits: z.number().int().describe('bits per component in the source itself'),
        container: z.string().optional().describe("video: the container's format name from ffprobe"),
        startTime: z.number().optional().describe('video: seconds from the container start to the first frame, when not 0'),
        sequence: z
          .object({ format: z.enum(['png', 'tiff', 'dpx']), frames: z.number().int() })
          .optional()
          .describe('image sequences: the format and the number of frames'),
      })
      .describe('what probing found'),
    options: z.object({ chunkFrames: z.number().int(), outputFormat: z.enum(['ffv1', 'prores4444']) }),
    frames: z.number().int(),
    damagedPixels: z.number().int().describe('pixels found damaged and repainted, over the whole reel'),
    damagedShare: z.number().describe('damagedPixels over all pixels of the reel, 0-1'),
    ms: z.partialRecord(z.enum(['probe', 'segment', 'inpaint', 'stitch']), z.number()).describe('summed worker milliseconds per stage'),
    shots: z.array(
      z.object({
        shot: z.number().int(),
        frames: z.object({ start: z.number().int(), end: z.number().int().describe('exclusive'), count: z.number().int() }),
        damagedPixels: z.number().int(),
        damagedShare: z.number(),
        ms: stageMs,
      }),
    ),
    expectedFrames: z.number().int().optional().describe('frames the source should hold (see the reel\'s status)'),
    decodedFrames: z.number().int().optional().describe('frames decoded from the source when it was probed'),
    warnings: z.array(z.string()).optional().describe('what to know about the input though the reel completed'),
    review: z
      .object({ revision: z.number(), edits: z.array(editLogEntry).describe('every edit, oldest first') })
      .optional()
      .describe("a restorer's edits, when there were any: the revision the outputs show and the edit log"),
  }),
  'Report',
  [
    {
      reelId: REEL_ID,
      source: {
        kind: 'video',
        layout: { width: 2048, height: 1556, channels: 1, bits: 16 },
        frameCount: 1440,
        fps: { num: 24, den: 1 },
        codec: 'ffv1',
        pixFmt: 'gray16le',
        sourceBits: 16,
        container: 'matroska,webm',
      },
      options: { chunkFrames: 32, outputFormat: 'ffv1' },
      frames: 1440,
      damagedPixels: 18_234_411,
      damagedShare: 0.00397,
      ms: { probe: 1840, segment: 412_300, inpaint: 288_150, stitch: 40_210 },
      shots: [
        { shot: 0, frames: { start: 0, end: 612, count: 612 }, damagedPixels: 9_811_204, damagedShare: 0.00503, ms: { segment: 175_230, inpaint: 122_470 } },
        { shot: 1, frames: { start: 612, end: 1440, count: 828 }, damagedPixels: 8_423_207, damagedShare: 0.00319, ms: { segment: 237_070, inpaint: 165_680 } },
      ],
    },
  ],
  'report.json: per shot, the frames, how much was found damaged and repainted, and the time each stage took.',
);

// The webhooks (packages/shared/src/webhooks): POSTed to the reel's callbackUrl, signed per Standard Webhooks.

const finishedWebhookData = z.object({
  id: z.string(),
  state: z.enum(REEL_STATES),
  error: z.string().optional().describe('why the reel failed'),
  progress: reelProgressSummary,
  links: z
    .object({ output: z.string(), preview: z.string(), report: z.string() })
    .optional()
    .describe('reel.completed: the downloads (absolute under PUBLIC_URL; send the API key)'),
});

/** reel.completed and reel.failed share their body; only the type and the example differ. */
function finishedWebhook<T extends 'reel.completed' | 'reel.failed'>(type: T, id: string, example: z.infer<typeof finishedWebhookData>, description: string) {
  return component(
    z.object({ type: z.literal(type), timestamp: z.string().describe('when the event occurred'), data: finishedWebhookData }),
    id,
    [{ type, timestamp: FINISHED_AT, data: example }],
    description,
  );
}

export const reelCompletedWebhook = finishedWebhook(
  'reel.completed',
  'ReelCompletedWebhook',
  {
    id: REEL_ID,
    state: 'completed',
    progress: { framesTotal: 1440, segmented: 1440, inpainted: 1440, percent: 100 },
    links: { output: `${REEL_URL}/output`, preview: `${REEL_URL}/preview`, report: `${REEL_URL}/report` },
  },
  'The reel is completed: its outputs can be downloaded.',
);

export const reelFailedWebhook = finishedWebhook(
  'reel.failed',
  'ReelFailedWebhook',
  {
    id: REEL_ID,
    state: 'failed',
    error: 'the source could not be decoded: ffmpeg found no video stream',
    progress: { framesTotal: 0, segmented: 0, inpainted: 0, percent: 0 },
  },
  'The reel failed; data.error says why.',
);

export const reelProgressWebhook = component(
  z.object({ type: z.literal('reel.progress'), timestamp: z.string().describe('when the progress was read'), data: reelProgressEvent }),
  'ReelProgressWebhook',
  [
    {
      type: 'reel.progress',
      timestamp: '2025-06-03T09:24:10.377Z',
      data: PROGRESS_EXAMPLE,
    },
  ],
  'At most once per PROGRESS_WEBHOOK_SECONDS while the reel runs; one attempt, no retry (the next one supersedes it).',
);

// The webhook schemas describe the bodies the shared code sends: the compiler fails here when they drift apart.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const describesWebhooks: [
  Same<z.output<typeof reelCompletedWebhook>['type'] | z.output<typeof reelFailedWebhook>['type'], WebhookBody['type']>,
  Same<Omit<z.output<typeof reelCompletedWebhook>, 'type'>, Omit<WebhookBody, 'type'>>,
  Same<Omit<z.output<typeof reelFailedWebhook>, 'type'>, Omit<WebhookBody, 'type'>>,
  Same<z.output<typeof finishedWebhookData>, WebhookBody['data']>,
  Same<z.output<typeof reelProgressEvent>, ReelProgress>,
  Same<z.output<typeof reelProgressWebhook>['type'], ProgressWebhookBody['type']>,
] = [true, true, true, true, true, true];
void describesWebhooks;

// A restorer's review (routes/reels/review-edits.ts): the edits sent, and the log the reel keeps of them.
const REVIEWED_AT = '2025-06-04T14:02:11.907Z';

export const editsRequestBody = component(editsRequestSchema, 'ReelEdits', [
  {
    author: 'M. Okafor',
    edits: [
      { type: 'reject', frame: 212, x: 1408, y: 377 },
      { type: 'add', frame: 213, points: [[902, 1104], [910, 1121], [915, 1140]], radius: 6 },
      { type: 'revert-shot', shot: 1 },
    ],
  },
]);

const EDIT_LOG: z.output<typeof editLogEntry>[] = [
  { type: 'reject', frame: 212, x: 1408, y: 377, revision: 1, at: REVIEWED_AT, by: 'M. Okafor', region: { x: 1401, y: 361, w: 15, h: 32 }, pixels: 288 },
  { type: 'revert-shot', shot: 1, revision: 1, at: REVIEWED_AT, by: 'M. Okafor', frames: { start: 612, end: 1440 } },
];

export const reviewBody = component(
  z.object({ revision: z.number().describe('the revision the outputs show (or are being made at)'), edits: z.array(editLogEntry).describe('every edit, oldest first') }),
  'ReelReview',
  [{ revision: 1, edits: EDIT_LOG }],
  "A reel's edit log: who changed which repair, on which frame, when, and the revision it made.",
);

export const editsAcceptedBody = component(
  reviewBody.extend({ id: z.string(), state: z.literal('inpainting'), statusUrl: z.string() }),
  'ReelEditsAccepted',
  [{ id: REEL_ID, state: 'inpainting', statusUrl: REEL_URL, revision: 1, edits: EDIT_LOG }],
  'The edits are logged and the reel is being made again at the new revision; follow statusUrl or its events.',
);
