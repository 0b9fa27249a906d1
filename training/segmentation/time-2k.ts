/**
 * Times the 'segment-frame-unet' task on one 2K frame (2048x1556, 16-bit RGB, 5-frame window) in this
 * thread, as one compute thread runs it (onnxruntime with one intra-op thread).
 * npx tsx training/segmentation/time-2k.ts [--model models/segment-unet/model.onnx] [--tile 256] [--overlap 64]
 */
import { parseArgs } from 'node:util';
import { defaultSegmentModelPath } from '@reelrestore/shared/restore/unet-segment';
import { makeSyntheticClip } from '@reelrestore/shared/synthetic/synthetic-clip';
import { computeTasks } from '@reelrestore/shared/workers/compute-tasks';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' },
    tile: { type: 'string', default: '256' },
    overlap: { type: 'string', default: '64' },
    batch: { type: 'string', default: '4' },
    runs: { type: 'string', default: '3' },
  },
});
const clip = makeSyntheticClip({ width: 2048, height: 1556, frames: 5, channels: 3, bits: 16, seed: 3, shift: { x: 1, y: 0.5 }, grainSigma: 0.02, damage: { specksPerFrame: 20, scratch: true } });
const args = {
  layout: clip.layout,
  frames: clip.damaged,
  modelPath: a.model ?? defaultSegmentModelPath(),
  threshold: 0.5,
  lowThreshold: 0.3,
  dilate: 2,
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
console.log(`2K frame, tile ${a.tile}, overlap ${a.overlap}: median ${times[times.length >> 1]!.toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(', ')}), rss ${rss.toFixed(0)} MiB`);
