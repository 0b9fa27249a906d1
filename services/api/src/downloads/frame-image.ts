import sharp, { type Sharp } from 'sharp';
import { BadInputError, NotFoundError } from '@reelrestore/shared/errors';
import { decodeFrames } from '@reelrestore/shared/frames/decode-frames';
import type { ReelPlan } from '@reelrestore/shared/frames/plan';
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { sourceUrls } from '@reelrestore/shared/reels/read-source';
import type { ReelRecord } from '@reelrestore/shared/reels/reel-record';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { ExternalSources } from '@reelrestore/shared/storage/external-sources';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';

export const FRAME_VARIANTS = ['source', 'restored', 'mask', 'difference', 'truth'] as const;
export type FrameVariant = (typeof FRAME_VARIANTS)[number];

export interface FrameImageRequest {
  variant: FrameVariant;
  /** A rectangle of the frame in its own pixels; the whole frame when absent. */
  region?: { x: number; y: number; w: number; h: number } | undefined;
  /** Screen pixels per frame pixel: 1, 2, 4 for grain at 1:1 and above, below 1 for an overview. */
  scale: number;
  format: 'png' | 'jpeg';
}

/** The largest image made, in screen pixels per side: a 4K frame at 1:1, or a crop of it magnified. */
const MAX_SIDE = 8192;

/**
 * A frame of a reel as an image for the screen (the restorer's console): the scan as it came, the restored
 * frame, what the restoration changed (magnified), or the repaint mask, cropped and scaled, as 8-bit PNG
 * or JPEG. 16-bit (and 10- or 12-bit, which arrive in 16) samples are mapped to 8 bits by rounding, the
 * whole range kept: nothing is clipped and no tone is lost that the screen could show. Magnification repeats pixels, so grain is seen as it is;
 * reduction averages. Made images are kept in the store, so a frame is decoded once per view.
 */
export async function frameImage(
  deps: { store: ObjectStore; sources: ExternalSources },
  rec: ReelRecord,
  plan: ReelPlan,
  frame: number,
  req: FrameImageRequest,
): Promise<{ image: Buffer; contentType: string }> {
  const { width, height } = plan.media.layout;
  if (!Number.isInteger(frame) || frame < 0 || frame >= plan.media.frameCount) {
    throw new NotFoundError(`frame ${frame} is not in the reel (frames 0 to ${plan.media.frameCount - 1})`);
  }
  const region = req.region ?? { x: 0, y: 0, w: width, h: height };
  if (region.x + region.w > width || region.y + region.h > height) {
    throw new BadInputError(`region ${region.x},${region.y},${region.w},${region.h} is outside the ${width}x${height} frame`, 400);
  }
  const outW = Math.max(1, Math.round(region.w * req.scale));
  const outH = Math.max(1, Math.round(region.h * req.scale));
  if (outW > MAX_SIDE || outH > MAX_SIDE) throw new BadInputError(`the image would be ${outW}x${outH}: crop a region or lower the scale (at most ${MAX_SIDE} a side)`, 400);

  const contentType = req.format === 'png' ? 'image/png' : 'image/jpeg';
  // Per revision: a review changes the masks and the restored frames (and drops this cache when it does).
  const cacheKey = `${reelKeys(rec.id).frameCache}v${rec.revision ?? 0}/${req.variant}-${frame}-${region.x}_${region.y}_${region.w}_${region.h}-${req.scale}.${req.format}`;
  if (await deps.store.head(cacheKey)) return { image: await deps.store.getBuffer(cacheKey), contentType };

  const whole =
    req.variant === 'mask' || req.variant === 'truth'
      ? sharp(await maskPng(deps.store, rec.id, frame, req.variant))
      : req.variant === 'difference'
        ? differencePixels(await decodeOne(deps, rec, plan, frame, 'source'), await decodeOne(deps, rec, plan, frame, 'restored'), plan.media.layout)
        : screenPixels(await decodeOne(deps, rec, plan, frame, req.variant), plan.media.layout);
  let image = whole.extract({ left: region.x, top: region.y, width: region.w, height: region.h });
  if (req.scale !== 1) image = image.resize(outW, outH, { kernel: req.scale > 1 ? 'nearest' : 'lanczos3' });
  const buffer = await (req.format === 'png' ? image.png() : image.jpeg({ quality: 92 })).toBuffer();
  await deps.store.put(cacheKey, buffer, { contentType });
  return { image: buffer, contentType };
}

async function maskPng(store: ObjectStore, reelId: string, frame: number, variant: 'mask' | 'truth'): Promise<Buffer> {
  const key = variant === 'mask' ? reelKeys(reelId).mask(frame) : reelKeys(reelId).truthMask(frame);
  if (!(await store.head(key))) throw new NotFoundError(variant === 'mask' ? `frame ${frame} has no mask yet` : `frame ${frame} has no known damage mask`);
  return store.getBuffer(key);
}

/** One frame of the source (where it lives) or of the restored output, as samples in the source's layout. */
async function decodeOne(deps: { store: ObjectStore; sources: ExternalSources }, rec: ReelRecord, plan: ReelPlan, frame: number, variant: 'source' | 'restored'): Promise<Samples> {
  const range = { start: frame, end: frame + 1 };
  if (variant === 'source') {
    const store = deps.sources.storeOf(plan.source, deps.store);
    return first(decodeFrames({ media: plan.media, urls: await sourceUrls(store, plan, frame, frame + 1), ...range }));
  }
  const outputs = rec.outputs;
  if (rec.state !== 'completed' || !outputs) throw new BadInputError(`reel ${rec.id} is ${rec.state}: its restored frames exist once it is completed`, 409);
  if (plan.media.kind === 'video') {
    // The output starts at 0 whatever the source's container said.
    const media = { ...plan.media, startTime: 0 };
    return first(decodeFrames({ media, urls: [await deps.store.mediaUrl(outputs.output)], ...range }));
  }
  const name = plan.media.sequence?.files[frame];
  if (!name) throw new NotFoundError(`frame ${frame} has no file name in the plan`);
  const urls = new Array<string>(plan.media.frameCount).fill('');
  urls[frame] = await deps.store.mediaUrl(reelKeys(rec.id).outputFrame(name));
  return first(decodeFrames({ media: plan.media, urls, ...range }));
}

async function first(frames: AsyncGenerator<{ data: Samples }>): Promise<Samples> {
  for await (const f of frames) return f.data;
  throw new Error('the decoder gave no frame');
}

/** What the restoration changed, magnified DIFFERENCE_GAIN times so faint fills show; 0 (black) where nothing changed. */
const DIFFERENCE_GAIN = 4;

function differencePixels(source: Samples, restored: Samples, layout: FrameLayout): Sharp {
  const n = layout.width * layout.height * layout.channels;
  const unit = layout.bits === 16 ? 257 : 1;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.min(255, Math.round((Math.abs(restored[i]! - source[i]!) / unit) * DIFFERENCE_GAIN));
  return sharp(bytes, { raw: { width: layout.width, height: layout.height, channels: layout.channels } });
}

/**
 * 8-bit samples for the screen: 16-bit ones rounded to the nearest 8-bit level over their whole range (v / 257),
 * so every screen level covers as many scanned levels as the next; (v + 128) >> 8 gave white half as many more.
 */
function screenPixels(data: Samples, layout: FrameLayout): Sharp {
  const n = layout.width * layout.height * layout.channels;
  const bytes = new Uint8Array(n);
  if (layout.bits === 16) for (let i = 0; i < n; i++) bytes[i] = Math.round(data[i]! / 257);
  else bytes.set(data.subarray(0, n));
  return sharp(bytes, { raw: { width: layout.width, height: layout.height, channels: layout.channels } });
}
