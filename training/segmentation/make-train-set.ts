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
 * --mix negatives writes clean sequences only, static, weaving and slowly zooming: pictures whose own thin
 * vertical lines and edges stay put from frame to frame, as a persistent scratch does. The fine-tuning stage
 * learns from them that a line that does not move is not damage by itself (real static shots, such as the
 * clip in ../shared/data/real-clips, are full of door frames and wall panels).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { makeBenchmarkSet, writeBenchmarkSet, type FilmSequenceOptions } from '@reelrestore/shared/synthetic/index';

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
if (a.mix !== 'damaged' && a.mix !== 'negatives') throw new Error(`--mix must be damaged or negatives, got ${a.mix}`);
const cleanDir = a['clean-dir'] && existsSync(a['clean-dir']) ? a['clean-dir'] : undefined;
const started = Date.now();
const written = await writeBenchmarkSet(
  a.out,
  makeBenchmarkSet({
    count: Number(a.count),
    width: Number(a.width),
    height: Number(a.height),
    frames: Number(a.frames),
    seed: Number(a.seed),
    cleanDir,
    overlaysDir: a.overlays,
    variants: a.mix === 'negatives' ? negatives : variants,
  }),
);
for (const w of written) console.log(`${w.name}: ${w.frames} frames, ${(w.damagedShare * 100).toFixed(3)}% damaged`);
console.log(`wrote ${written.length} sequences to ${a.out} in ${((Date.now() - started) / 1000).toFixed(1)} s (clean images: ${cleanDir ?? 'procedural'})`);
