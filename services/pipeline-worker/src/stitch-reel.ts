import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReelStoppedError } from '@reelrestore/shared/errors';
import { FRAME_CONTENT_TYPES } from '@reelrestore/shared/frames/frame-files';
import { cleanStaleTempFolders, pidTempPrefix } from '@reelrestore/shared/frames/temp-folders';
import { openPreviewWriter, openVideoWriter, writeSequenceFrame } from '@reelrestore/shared/frames/index';
import type { ReelPlan } from '@reelrestore/shared/frames/plan';
import type { Frame } from '@reelrestore/shared/frames/types';
import { assertReelActive } from '@reelrestore/shared/reels/assert-reel-active';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { readSourceFrames } from '@reelrestore/shared/reels/read-source';
import type { ReelOutputs } from '@reelrestore/shared/reels/reel-record';
import { decodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import { applyPatches, decodePatches, type PatchTile } from '@reelrestore/shared/restore/patches';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { PutResult } from '@reelrestore/shared/storage/storage';
import type { JobContext, JobHandler } from '@reelrestore/shared/workers/handlers';
import { notifyReelFinished } from '@reelrestore/shared/webhooks/notify-reel-finished';
import { ManifestWriter, storedFile, videoContentType } from './output-manifest.js';
import { writeReport } from './write-report.js';

/**
 * Stitch: streams the source once more, lays each chunk's patches onto it (only where the mask says so),
 * and writes the outputs: the same format for image sequences, FFV1/MKV (or ProRes 4444) for video,
 * an H.264 preview, and report.json. Last comes manifest.json: every output file with the size and SHA-256
 * the store computed while it was written (masks, stored by the segment stage, are read and hashed here),
 * so nobody has to read a large reel again to check it. The reel becomes `completed` only after every output is stored.
 */
export const stitchReel: JobHandler<'stitch'> = async ({ reelId }, ctx) => {
  const started = Date.now();
  await assertReelActive(ctx.reels, reelId);
  await ctx.reels.transition(reelId, 'stitching', { from: ['segmenting', 'inpainting', 'stitching'] });
  const plan = await readPlan(ctx.store, reelId);
  if (!plan) throw new Error('plan.json is missing');
  const keys = reelKeys(reelId);
  // The pid and token in the name let a restarted worker tell its dead predecessors' folders from live ones (cleanStaleStitchFolders).
  const tmp = await mkdtemp(join(ctx.config.TMP_DIR || tmpdir(), `${pidTempPrefix(STITCH_TMP_PREFIX)}${reelId}-`));
  // A dot-name: it cannot meet a restored frame's scratch file, whose names never start with one.
  const manifest = new ManifestWriter(join(tmp, '.manifest.lines'));
  try {
    const outputs = await writeOutputs(plan, reelId, tmp, ctx, manifest).catch(async (err: unknown) => {
      // Stopped part-way (a cancel, a failed reel): the frames already written must not pass for an output.
      if (err instanceof ReelStoppedError || ctx.signal.aborted) await ctx.store.deletePrefix(keys.outputPrefix);
      throw err;
    });
    await manifest.add(await writeReport(ctx.store, ctx.reels, reelId, plan, Date.now() - started));
    await manifest.addMasks(ctx.store, reelId, ctx.signal);
    const manifestKey = await manifest.store(ctx.store, reelId, outputs.kind);
    await ctx.reels.addTiming(reelId, 'stitch', Date.now() - started);
    await ctx.reels.setOutputs(reelId, { ...outputs, manifest: manifestKey });
    if (!(await ctx.reels.transition(reelId, 'completed', { from: ['stitching'] }))) {
      // Cancelled while stitching: nothing half-done is reported, and the outputs go.
      await ctx.store.deletePrefix(keys.outputPrefix);
      await ctx.store.delete(manifestKey);
      throw new ReelStoppedError('reel stopped while stitching');
    }
    await ctx.store.deletePrefix(`${keys.root}work/`);
    await notifyReelFinished(ctx, reelId, 'reel.completed');
    return { outputKey: outputs.output, ms: Date.now() - started };
  } finally {
    manifest.close();
    await rm(tmp, { recursive: true, force: true });
  }
};

export const STITCH_TMP_PREFIX = 'rr-stitch-';

/**
 * Removes the scratch folders of stitch jobs whose process is gone (killed mid-stitch): run when a pipeline
 * worker starts. Folders of live processes (another worker sharing TMP_DIR) are left alone.
 */
export function cleanStaleStitchFolders(dir: string): Promise<string[]> {
  return cleanStaleTempFolders(dir, STITCH_TMP_PREFIX);
}

/** Patches of the chunk holding each frame, loaded one chunk at a time so memory follows chunk size. */
function patchLoader(plan: ReelPlan, reelId: string, ctx: JobContext) {
  const chunks = [...plan.chunks].sort((a, b) => a.start - b.start);
  let i = -1;
  let current = new Map<number, PatchTile[]>();
  return async (frame: number): Promise<PatchTile[] | undefined> => {
    while (i < 0 || frame >= chunks[i]!.end) {
      i++;
      const c = chunks[i];
      if (!c) return undefined;
      const buf = await ctx.store.getBuffer(reelKeys(reelId).patch(c.shot, c.chunk));
      current = new Map(decodePatches(buf).frames.map((f) => [f.index, f.tiles]));
    }
    return current.get(frame);
  };
}

/** The restored picture and the preview, each entered in the manifest as it is stored (the picture first). */
async function writeOutputs(plan: ReelPlan, reelId: string, tmp: string, ctx: JobContext, manifest: ManifestWriter): Promise<ReelOutputs> {
  const { layout, fps } = plan.media;
  const keys = reelKeys(reelId);
  const patchesFor = patchLoader(plan, reelId, ctx);
  const previewPath = join(tmp, 'preview.mp4');
  const preview = await openPreviewWriter({ layout, fps, outPath: previewPath });
  const isVideo = plan.source.type === 'video';
  const outName = plan.options.outputFormat === 'prores4444' ? 'restored.mov' : 'restored.mkv';
  const videoPath = join(tmp, outName);
  const video = isVideo ? await openVideoWriter({ layout, fps, outPath: videoPath, codec: plan.options.outputFormat }) : null;

  try {
    for await (const frame of readSourceFrames(ctx.sources.storeOf(plan.source, ctx.store), plan, 0, plan.media.frameCount, ctx.signal)) {
      const tiles = await patchesFor(frame.index);
      if (tiles?.length) {
        const { mask } = await decodeMaskPng(await ctx.store.getBuffer(keys.mask(frame.index)));
        applyPatches(frame.data, layout, tiles, mask);
      }
      if (video) await video.write(frame.data);
      else await manifest.add(await writeSequenceOutput(plan, frame, Boolean(tiles?.length), tmp, reelId, ctx));
      await preview.write(frame.data);
      if (frame.index % 64 === 0) await assertReelActive(ctx.reels, reelId);
    }
    await preview.close();
    if (video) await video.close();
  } catch (err) {
    preview.abort();
    video?.abort();
    throw err;
  }

  const common = { preview: keys.preview, report: keys.report, maskPrefix: keys.maskPrefix };
  let outputs: ReelOutputs = { kind: 'sequence', output: `${keys.outputPrefix}frames/`, outputName: 'frames', ...common };
  if (video) {
    const key = keys.output(outName);
    const contentType = videoContentType(outName);
    await manifest.add(storedFile('video', outName, key, await ctx.store.put(key, createReadStream(videoPath), { contentType }), contentType));
    outputs = { kind: 'video', output: key, outputName: outName, ...common };
  }
  const previewPut = await ctx.store.put(keys.preview, createReadStream(previewPath), { contentType: 'video/mp4' });
  await manifest.add(storedFile('preview', 'preview.mp4', keys.preview, previewPut, 'video/mp4'));
  return outputs;
}

/** Unchanged frames are copied byte for byte; repaired ones are encoded in the source's own format and depth. */
async function writeSequenceOutput(plan: ReelPlan, frame: Frame, changed: boolean, tmp: string, reelId: string, ctx: JobContext) {
  const seq = plan.media.sequence;
  if (!seq || plan.source.type !== 'sequence') throw new Error('sequence output without a sequence source');
  const name = seq.files[frame.index]!;
  const target = reelKeys(reelId).outputFrame(name);
  const contentType = FRAME_CONTENT_TYPES[seq.format];
  const entry = (put: PutResult) => storedFile('frame', `frames/${target.slice(target.lastIndexOf('/') + 1)}`, target, put, contentType);
  if (!changed) return entry(await ctx.store.put(target, await ctx.sources.storeOf(plan.source, ctx.store).get(plan.source.prefix + name), { contentType }));
  const path = join(tmp, name);
  await writeSequenceFrame({ layout: plan.media.layout, format: seq.format, pixFmt: plan.media.pixFmt, data: frame.data, outPath: path });
  const put = await ctx.store.put(target, createReadStream(path), { contentType });
  await rm(path, { force: true });
  return entry(put);
}
