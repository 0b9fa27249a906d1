import { sharedFrame, type Frame } from '@reelrestore/shared/frames/types';
import { assertReelActive } from '@reelrestore/shared/reels/assert-reel-active';
import { maskKeyForChunk } from '@reelrestore/shared/reels/chunk-keys';
import { readPlan } from '@reelrestore/shared/reels/fail-reel';
import { readSourceFrames } from '@reelrestore/shared/reels/read-source';
import { decodeMaskPng } from '@reelrestore/shared/restore/mask-png';
import { encodePatches, type PatchFrame } from '@reelrestore/shared/restore/patches';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import type { JobContext, JobHandler } from '@reelrestore/shared/workers/handlers';
import type { ModelDevice } from '@reelrestore/shared/workers/compute-tasks';
import { defaultInpaintModelPath, diffusionSettings } from '@reelrestore/shared/restore/diffusion-fill';
import { TaskBatch } from '@reelrestore/shared/workers/task-batch';
import { notifyReelProgress } from '@reelrestore/shared/webhooks/notify-reel-progress';
import { reportModel } from '@reelrestore/shared/metrics/metrics';

/**
 * Inpaint one chunk: for every frame with damage, repaint only its masked pixels from the motion-aligned
 * frames of its window (±CONTEXT_FRAMES, never across a cut), and write the changed tiles as one patch
 * file. Pixels outside the mask are never part of the output. INPAINTER picks the learned diffusion fill
 * or the temporal median reference.
 */
export function inpaintChunk(pool: ComputePool): JobHandler<'inpaint'> {
  let device: Promise<ModelDevice> | null = null;
  // Asked once per process: a worker told to use CUDA where its libraries are missing says so once and
  // runs on CPU, instead of failing every chunk.
  const resolveDevice = (ctx: JobContext, modelPath: string): Promise<ModelDevice> =>
    (device ??= pool.run('probe-model-device', { modelPath, device: ctx.config.INPAINT_DEVICE }).then((r) => {
      if (r.reason) ctx.log.warn({ requested: ctx.config.INPAINT_DEVICE, reason: r.reason }, 'INPAINT_DEVICE=cuda but onnxruntime could not load its CUDA provider: inpainting on CPU');
      else ctx.log.info({ device: r.device }, 'inpainter device');
      void reportModel('inpaint', 'inpaint-diffusion', modelPath, r.device).catch(() => undefined);
      return r.device;
    }));

  return async (p, ctx) => {
    const started = Date.now();
    await assertReelActive(ctx.reels, p.reelId);
    await ctx.reels.transition(p.reelId, 'inpainting', { from: ['segmenting'] });
    const plan = await readPlan(ctx.store, p.reelId);
    if (!plan) throw new Error('plan.json is missing');
    const { layout } = plan.media;
    const radius = ctx.config.CONTEXT_FRAMES;
    const { INPAINTER } = ctx.config;
    const settings = diffusionSettings(ctx.config);
    const modelPath = ctx.config.INPAINT_MODEL ?? defaultInpaintModelPath();
    const modelDevice = INPAINTER === 'diffusion' ? await resolveDevice(ctx, modelPath) : 'cpu';

    const masks = new Map<number, Uint8Array>();
    const maskOf = async (frame: number) => {
      let m = masks.get(frame);
      if (!m) {
        const png = await ctx.store.getBuffer(maskKeyForChunk(p.reelId, p, frame));
        m = (await decodeMaskPng(png)).mask;
        masks.set(frame, m);
      }
      return m;
    };

    const window: Frame[] = [];
    const patched: PatchFrame[] = [];
    let patchedPixels = 0;
    const batch = new TaskBatch(pool.size);
    const stillWanted = () => assertReelActive(ctx.reels, p.reelId);

    const inpaintAt = async (centre: number) => {
      const frames = window.filter((f) => Math.abs(f.index - centre) <= radius);
      const centreMask = await maskOf(centre);
      if (!hasDamage(centreMask)) return;
      const frameMasks = await Promise.all(frames.map((f) => maskOf(f.index)));
      const input = {
        layout,
        frames: frames.map((f) => f.data),
        masks: frameMasks,
        center: frames.findIndex((f) => f.index === centre),
      };
      const { tiles, patched: n } =
        INPAINTER === 'diffusion'
          ? await pool.run('inpaint-frame-diffusion', { ...input, frameNumber: centre, modelPath, device: modelDevice, ...settings }, [], ctx.signal)
          : await pool.run('inpaint-frame', input, [], ctx.signal);
      patched.push({ index: centre, tiles });
      patchedPixels += n;
    };

    let nextCentre = p.start;
    for await (const frame of readSourceFrames(ctx.sources.storeOf(plan.source, ctx.store), plan, p.contextStart, p.contextEnd, ctx.signal)) {
      // Shared memory: every window task reading this frame sees the one copy.
      window.push({ ...frame, data: sharedFrame(frame.data) });
      // Centre f can be filled once frame f + radius (or the last context frame) has been decoded.
      while (nextCentre < p.end && nextCentre + radius <= frame.index) await batch.add(inpaintAt(nextCentre++), stillWanted);
      while (window.length > 2 * radius + 1) window.shift();
      for (const k of masks.keys()) if (k < nextCentre - radius) masks.delete(k);
    }
    while (nextCentre < p.end) await batch.add(inpaintAt(nextCentre++));
    await batch.drain();

    patched.sort((a, b) => a.index - b.index);
    await ctx.store.put(reelKeys(p.reelId).patch(p.shot, p.chunk), encodePatches(patched, layout), {
      contentType: 'application/octet-stream',
    });
    const frames = p.end - p.start;
    const ms = Date.now() - started;
    // A review's repaint counts its time, not its frames: the reel's frames were all inpainted once already.
    if (p.revision) await ctx.reels.addTiming(p.reelId, 'inpaint', ms);
    else await ctx.reels.addProgress(p.reelId, 'inpaint', p, frames, ms);
    // Not awaited: it never throws, and the chunk does not wait for the receiver.
    void notifyReelProgress(ctx, p.reelId);
    return { frames, pixels: frames * layout.width * layout.height, patchedPixels, ms };
  };
}

function hasDamage(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i]) return true;
  return false;
}
