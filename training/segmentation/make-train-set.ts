/**
 * Writes the training set with the benchmark's own generator (packages/shared/src/synthetic: one generator,
 * not two): film-like clean sequences, damage composited from the FILM-AA artefact scans, a clean sequence
 * in every six for hard negatives. Same folder layout as the benchmark set:
 * <out>/<seq>/{clean,damaged,mask,classes}/frame_0001.png + meta.json.
 *
 * npx tsx training/segmentation/make-train-set.ts --out data/train-set [--count 18] [--width 1024] [--height 768]
 *   [--frames 9] [--seed 7] [--density 3] [--scratches 1.5] [--clean-dir .cache/clean-images] [--overlays <dir>]
 *   [--mix damaged|negatives]
 *
 * --mix hard cycles the generator's HARD_VARIANTS: walking figures, swaying lines, damage-like picture
 * detail, gate borders, repeated frames, other grain, fast pans and rotation, a third of them clean. The
 * detector must learn that none of that is damage.
 *
 * Every sequence also gets <seq>/aligned/frame_0001.u16: the network's input for that frame, the
 * motion-compensated window (restore/align-window.ts, the service's own code): UNET_WINDOW planes of
 * width x height uint16 (luma x 65535), t-2, t-1, t, t+1, t+2.
 *
 * --mix negatives writes clean sequences only, static, weaving and slowly zooming: pictures whose own thin
 * vertical lines and edges stay put from frame to frame, as a persistent scratch does. The fine-tuning stage
 * learns from them that a line that does not move is not damage by itself (real static shots, such as the
 * clip in ../shared/data/real-clips, are full of door frames and wall panels).
 */
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alignWindow, readAlignedTile } from '@reelrestore/shared/restore/align-window';
import { toLuma } from '@reelrestore/shared/restore/luma';
import { UNET_WINDOW } from '@reelrestore/shared/restore/unet-segment';
import { HARD_VARIANTS, writeBenchSequence, type BenchSequence, type FilmSequenceOptions } from '@reelrestore/shared/synthetic/index';
import { cleanImagesDir, trainingSequences } from '../training-sequences.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '18' },
    width: { type: 'string', default: '1024' },
    height: { type: 'string', default: '768' },
    frames: { type: 'string', default: '9' },
    seed: { type: 'string', default: '7' },
    density: { type: 'string', default: '3' },
    scratches: { type: 'string', default: '1.5' },
    'clean-dir': { type: 'string', default: '.cache/clean-images' },
    overlays: { type: 'string' },
    mix: { type: 'string', default: 'damaged' },
  },
});
if (!a.out) throw new Error('--out <dir> is required');
const density = Number(a.density);
const scratches = Number(a.scratches);
const damage = { density, scratches };
// The benchmark's mix (grey/colour, 8/16-bit, motions), denser damage so random crops see enough of it,
// and one clean sequence in six (hard negatives: grain, flicker, motion and nothing to find).
const variants: Partial<FilmSequenceOptions>[] = [
  { channels: 1, bits: 8, motion: 'pan', damage },
  { channels: 3, bits: 16, motion: 'zoom', damage },
  { channels: 1, bits: 16, motion: 'weave', damage },
  { channels: 3, bits: 8, motion: 'pan', damage: false },
  { channels: 3, bits: 8, motion: 'static', damage: { density, scratches: scratches * 2 } },
  { channels: 1, bits: 16, motion: 'pan', damage: { density: density * 1.5, scratches: scratches * 2 } },
];
const negatives: Partial<FilmSequenceOptions>[] = [
  { channels: 1, bits: 8, motion: 'static', damage: false },
  { channels: 3, bits: 16, motion: 'weave', damage: false },
  { channels: 1, bits: 16, motion: 'static', damage: false },
  { channels: 3, bits: 8, motion: 'zoom', damage: false },
];
const mixes: Record<string, readonly Partial<FilmSequenceOptions>[]> = { damaged: variants, negatives, hard: HARD_VARIANTS };
const mix = mixes[a.mix!];
if (!mix) throw new Error(`--mix must be ${Object.keys(mixes).join(', ')}, got ${a.mix}`);
const started = Date.now();
const written = [];
for await (const seq of trainingSequences(a, mix)) {
  const w = await writeBenchSequence(a.out, seq);
  await writeAlignedWindows(w.dir, seq);
  written.push(w);
}

/** The network's input per frame, as the segment worker builds it: the motion-compensated window. */
async function writeAlignedWindows(dir: string, seq: BenchSequence): Promise<void> {
  const { width: W, height: H } = seq.layout;
  const lumas = seq.damaged.map((f) => toLuma(f, seq.layout));
  const half = UNET_WINDOW >> 1;
  await mkdir(join(dir, 'aligned'), { recursive: true });
  const planes = new Float32Array(UNET_WINDOW * W * H);
  for (let t = 0; t < lumas.length; t++) {
    const al = alignWindow(Array.from({ length: UNET_WINDOW }, (_, k) => lumas[t - half + k] ?? null), W, H);
    readAlignedTile(al, half, 0, 0, W, H, planes, 0);
    const u16 = Uint16Array.from(planes, (v) => Math.round(Math.min(1, Math.max(0, v)) * 65535));
    await writeFile(join(dir, 'aligned', `frame_${String(t + 1).padStart(4, '0')}.u16`), u16);
  }
}

for (const w of written) console.log(`${w.name}: ${w.frames} frames, ${(w.damagedShare * 100).toFixed(3)}% damaged`);
console.log(`wrote ${written.length} sequences to ${a.out} in ${((Date.now() - started) / 1000).toFixed(1)} s (clean images: ${cleanImagesDir(a) ?? 'procedural'})`);
