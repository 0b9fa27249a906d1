/**
 * Times the 'segment-frame-unet' task on one 2K frame (2048x1556, 16-bit RGB, 5-frame window of luma) in
 * this thread, as one compute thread runs it (onnxruntime with one intra-op thread). The luma conversion
 * (one frame per window in the worker) is not included.
 * npx tsx training/segmentation/time-2k.ts [--model models/segment-unet/model.onnx] [--tile 256] [--overlap 64] [--no-cascade]
 */
import { parseArgs } from 'node:util';
import { configSchema } from '@reelrestore/shared/config';
import { defaultSegmentModelPath, unetSettings } from '@reelrestore/shared/restore/unet-segment';
import { toLuma } from '@reelrestore/shared/restore/luma';
import { makeSyntheticClip } from '@reelrestore/shared/synthetic/synthetic-clip';
import { computeTasks } from '@reelrestore/shared/workers/compute-tasks';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' },
    tile: { type: 'string', default: '256' },
    overlap: { type: 'string', default: '64' },
    batch: { type: 'string', default: '4' },
    runs: { type: 'string', default: '3' },
    'no-cascade': { type: 'boolean', default: false },
  },
});
const clip = makeSyntheticClip({ width: 2048, height: 1556, frames: 5, channels: 3, bits: 16, seed: 3, shift: { x: 1, y: 0.5 }, grainSigma: 0.02, damage: { specksPerFrame: 20, scratch: true } });
const args = {
  ...unetSettings(configSchema.parse({ UNET_CASCADE: a['no-cascade'] ? 'false' : 'true' }), clip.layout.width),
  width: clip.layout.width,
  height: clip.layout.height,
  lumas: clip.damaged.map((f) => toLuma(f, clip.layout)),
  modelPath: a.model ?? defaultSegmentModelPath(),
  tile: Number(a.tile),
  overlap: Number(a.overlap),
  batch: Number(a.batch),
};
await computeTasks['segment-frame-unet'](args); // session creation and first-run allocations
const times: number[] = [];
for (let i = 0; i < Number(a.runs); i++) {
  const t0 = performance.now();
  const { damaged } = await computeTasks['segment-frame-unet'](args);
  times.push(performance.now() - t0);
  if (i === 0) console.log(`flagged ${damaged} px`);
}
times.sort((x, y) => x - y);
const rss = process.memoryUsage().rss / 2 ** 20;
console.log(`2K frame, tile ${a.tile}, overlap ${a.overlap}, cascade ${args.cascade ? 'on' : 'off'}: median ${times[times.length >> 1]!.toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(', ')}), rss ${rss.toFixed(0)} MiB`);
