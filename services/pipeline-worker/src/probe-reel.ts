import { BadInputError, ReelStoppedError } from '@reelrestore/shared/errors';
import { byFrameName, frameFormat, probeSequence, probeVideo } from '@reelrestore/shared/frames/index';
import { scanShots } from '@reelrestore/shared/frames/detect-shots';
import { missingFromNumbering, numberingGaps } from '@reelrestore/shared/frames/frame-files';
import { FrameShortfallError } from '@reelrestore/shared/frames/probe-media';
import { assertFrameGeometry } from '@reelrestore/shared/frames/frame-limits';
import type { ReelPlan } from '@reelrestore/shared/frames/plan';
import type { MediaInfo } from '@reelrestore/shared/frames/types';
import { isTerminal, type ReelRecord } from '@reelrestore/shared/reels/reel-record';
import type { ReelStore } from '@reelrestore/shared/reels/reel-store';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import type { JobHandler } from '@reelrestore/shared/workers/handlers';
import type { FlowProducer } from 'bullmq';
import { tmpdir } from 'node:os';
import { addReelFlow, buildReelFlow } from './build-flow.js';
import { planChunks } from './plan-chunks.js';

/**
 * Probe and plan: reads the media, finds shot cuts on a low-resolution pass, splits shots into chunks,
 * writes plan.json and adds the reel's flow. Re-running it rewrites the same plan and adds nothing twice.
 */
export function probeReel(flows: FlowProducer): JobHandler<'probe'> {
  return async ({ reelId }, ctx) => {
    const started = Date.now();
    const rec = await ctx.reels.get(reelId);
    if (!rec || isTerminal(rec.state)) throw new ReelStoppedError(`reel is ${rec?.state ?? 'gone'}`);
    await ctx.reels.transition(reelId, 'probing', { from: ['queued', 'probing'] });

    const { media, source, urls } = await recordingShortfall(ctx.reels, reelId, probeSource(ctx.sources.storeOf(rec.source, ctx.store), rec));
    assertFrameGeometry(media.layout, ctx.config);
    const plan: ReelPlan = { media, source, shots: [], chunks: [], options: rec.options };
    // The shot pass decodes every frame: it is where a source that holds fewer frames than it declares is caught.
    const scan = await recordingShortfall(ctx.reels, reelId, scanShots({ media, urls, threshold: ctx.config.SHOT_THRESHOLD, signal: ctx.signal, tmpDir: ctx.config.TMP_DIR || tmpdir() }));
    plan.shots = scan.shots;
    await ctx.reels.setFrameCounts(reelId, { expected: expectedFrames(media), decoded: scan.decodedFrames });
    const warnings = media.sequence ? numberingGaps(media.sequence.files) : [];
    if (media.declaredFrames !== undefined) {
      warnings.push(`the container declares ${media.declaredFrames} frames for the video, but ${media.frameCount} can be read and nothing says the file was cut short (as after a trim that kept the old length): frames ${media.frameCount + 1} to ${media.declaredFrames}, if they ever were there, are not in this reel`);
    }
    if (media.kind === 'video' && scan.decodedFrames < media.frameCount) {
      warnings.push(`the video's index lists ${media.frameCount} frames, but ${scan.decodedFrames} are shown (an edit list hides the others, as after a trim with -c copy): the reel has the ${scan.decodedFrames} shown`);
      media.frameCount = scan.decodedFrames;
    }
    if (scan.decodeErrors) {
      warnings.push(`the video's picture data is damaged: every frame decoded, but the decoder reported "${scan.decodeErrors}", so some frames may show patches of wrong picture`);
    }
    await ctx.reels.setWarnings(reelId, warnings);
    if (warnings.length) ctx.log.warn({ warnings }, 'the reel completes with warnings');
    plan.chunks = planChunks(plan.shots, {
      chunkFrames: rec.options.chunkFrames,
      contextFrames: ctx.config.CONTEXT_FRAMES,
      frameMegapixels: (media.layout.width * media.layout.height) / 1e6,
      maxChunkMegapixels: ctx.config.CHUNK_MAX_MEGAPIXELS,
    });
    ctx.log.info({ frames: media.frameCount, shots: plan.shots.length, chunks: plan.chunks.length, layout: media.layout }, 'planned');

    await ctx.store.put(reelKeys(reelId).plan, Buffer.from(JSON.stringify(plan)), { contentType: 'application/json' });
    await ctx.reels.resetProgress(reelId);
    await ctx.reels.setPlan(reelId, {
      media: {
        width: media.layout.width,
        height: media.layout.height,
        frameCount: media.frameCount,
        fps: media.fps.num / media.fps.den,
        codec: media.codec,
        pixFmt: media.pixFmt,
        sourceBits: media.sourceBits,
        channels: media.layout.channels,
      },
      shots: plan.shots,
      chunks: plan.chunks.length,
    });
    await ctx.reels.addTiming(reelId, 'probe', Date.now() - started);

    const state = await ctx.reels.getState(reelId);
    if (!state || isTerminal(state)) throw new ReelStoppedError(`reel is ${state ?? 'gone'}`);
    await addReelFlow(flows, buildReelFlow(reelId, plan.chunks, ctx.config.JOB_ATTEMPTS, ctx.config.QUEUE_PREFIX));
    await ctx.reels.transition(reelId, 'segmenting', { from: ['probing'] });
    return { frames: media.frameCount, shots: plan.shots.length, chunks: plan.chunks.length };
  };
}

/**
 * Frames the source should hold: what a video's container declares where more than could be read, else its
 * count from its index or packets; a sequence's files and the numbers missing between them.
 */
function expectedFrames(media: MediaInfo): number {
  return media.sequence ? media.sequence.files.length + missingFromNumbering(media.sequence.files) : (media.declaredFrames ?? media.frameCount);
}

/** A source that fails for holding fewer frames than it declares: both counts go on the reel first, for its status and report. */
async function recordingShortfall<T>(reels: ReelStore, reelId: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof FrameShortfallError) await reels.setFrameCounts(reelId, { expected: err.expected, decoded: err.decoded });
    throw err;
  }
}

/** The media, where it lives, and the URLs ffmpeg reads it from (reused for the shot pass). */
async function probeSource(store: ObjectStore, rec: ReelRecord): Promise<{ media: MediaInfo; source: ReelPlan['source']; urls: string[] }> {
  if (rec.source.type === 'video') {
    const url = await store.mediaUrl(rec.source.key);
    return { media: await probeVideo(url), source: { type: 'video', key: rec.source.key, ...external(rec.source) }, urls: [url] };
  }
  const prefix = rec.source.prefix;
  const names: string[] = [];
  for await (const o of store.list(prefix)) {
    const name = o.key.slice(prefix.length);
    if (frameFormat(name)) names.push(name);
  }
  if (names.length === 0) throw new BadInputError('the sequence holds no DPX, TIFF or PNG frames');
  names.sort(byFrameName);
  const urls = await Promise.all(names.map((n) => store.mediaUrl(prefix + n)));
  const media = await probeSequence(urls, names);
  return { media, source: { type: 'sequence', prefix, ...external(rec.source) }, urls };
}

/** The plan keeps the source's archive bucket, so every stage reads from where the probe did. */
const external = (source: ReelRecord['source']) => (source.external ? { external: source.external } : {});
