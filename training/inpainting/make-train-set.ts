/**
 * Writes the inpainter's training tiles with the benchmark's own generator (one generator, not two) and the
 * service's own window code (restore/inpaint-window.ts: alignment, median base, tiles, conditioning), so
 * the model trains on exactly what the inpaint worker will feed it.
 *
 * npx tsx training/inpainting/make-train-set.ts --out data/inpaint-set [--count 48] [--width 768] [--height 576]
 *   [--frames 9] [--seed 5] [--tiles 8] [--clean-dir .cache/clean-images] [--overlays <dir>]
 *
 * Output: <out>/tiles.u16, tile after tile, each 1 + COND_PLANES planes of INPAINT_TILE² uint16 (value x 65535):
 * the clean truth of one channel, then conditionTile's planes; <out>/meta.json says how many.
 * Masks are the generator's true masks dilated as the service dilates, and in half the frames a random
 * blob over the picture as well, so the model also learns to repaint large areas over moving content.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { maxSampleValue } from '@reelrestore/shared/restore/luma';
import { dilateMask } from '@reelrestore/shared/restore/morphology';
import { buildInpaintWindow, COND_PLANES, conditionTile, damageTiles, INPAINT_TILE } from '@reelrestore/shared/restore/inpaint-window';
import type { SequenceVariant } from '@reelrestore/shared/synthetic/index';
import { rng, uniform, type Rand } from '@reelrestore/shared/synthetic/random';
import { trainingSequences } from '../training-sequences.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '48' },
    width: { type: 'string', default: '768' },
    height: { type: 'string', default: '576' },
    frames: { type: 'string', default: '9' },
    seed: { type: 'string', default: '5' },
    tiles: { type: 'string', default: '8' },
    'clean-dir': { type: 'string', default: '.cache/clean-images' },
    overlays: { type: 'string' },
  },
});
if (!a.out) throw new Error('--out <dir> is required');
const tilesPerFrame = Number(a.tiles);
const damage = { density: 2, scratches: 1.5 };
const variants: SequenceVariant[] = [
  { channels: 1, bits: 8, motion: 'pan', damage },
  { channels: 3, bits: 16, motion: 'zoom', damage },
  { channels: 1, bits: 16, motion: 'weave', damage },
  { channels: 3, bits: 8, motion: 'static', damage: { density: 2, scratches: 3 } },
  { channels: 1, bits: 16, motion: 'pan', damage: { density: 3, scratches: 2 } },
];

/** A soft-edged random blob: large repaints over moving content, where the neighbours must carry the picture. */
function addBlob(mask: Uint8Array, W: number, H: number, rand: Rand): void {
  const cx = uniform(rand, 0, W);
  const cy = uniform(rand, 0, H);
  const rx = uniform(rand, 4, 24);
  const ry = uniform(rand, 4, 24);
  for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(H, cy + ry); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(W, cx + rx); x++) {
      if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) mask[y * W + x] = 255;
    }
  }
}

await mkdir(a.out, { recursive: true });
const file = await open(join(a.out, 'tiles.u16'), 'w');
const rand = rng(Number(a.seed), 'inpaint-train-set');
const started = Date.now();
const plane = INPAINT_TILE * INPAINT_TILE;
let written = 0;
for await (const seq of trainingSequences(a, variants)) {
  const { layout } = seq;
  const { width: W, height: H, channels: C } = layout;
  const scale = 1 / maxSampleValue(layout.bits);
  const masks = seq.masks.map((m) => dilateMask(m, W, H, rand() < 0.3 ? 2 : 1, 'disc'));
  let seqTiles = 0;
  for (let t = 0; t < seq.damaged.length; t++) {
    const mask = masks[t]!.slice();
    if (rand() < 0.5) addBlob(mask, W, H, rand);
    const window = masks.map((m, i) => (i === t ? mask : m));
    const lo = Math.max(0, t - 2);
    const win = buildInpaintWindow(seq.damaged.slice(lo, t + 3), window.slice(lo, t + 3), t - lo, layout);
    const tiles = damageTiles(mask, W, H);
    for (let k = 0; k < Math.min(tilesPerFrame, tiles.length); k++) {
      const tile = tiles[Math.floor(rand() * tiles.length)]!;
      if (tile.w !== INPAINT_TILE || tile.h !== INPAINT_TILE) continue;
      const channel = Math.floor(rand() * C);
      const planes = new Float32Array((1 + COND_PLANES) * plane);
      for (let y = 0; y < INPAINT_TILE; y++) {
        for (let x = 0; x < INPAINT_TILE; x++) planes[y * INPAINT_TILE + x] = seq.clean[t]![((tile.y + y) * W + tile.x + x) * C + channel]! * scale;
      }
      conditionTile(win, tile, channel, planes, plane);
      const u16 = new Uint16Array(planes.length);
      for (let i = 0; i < planes.length; i++) u16[i] = Math.round(Math.min(1, Math.max(0, planes[i]!)) * 65535);
      await file.write(new Uint8Array(u16.buffer));
      written++;
      seqTiles++;
    }
  }
  console.log(`${seq.name}: ${seqTiles} tiles`);
}
await file.close();
await writeFile(join(a.out, 'meta.json'), JSON.stringify({ tiles: written, planes: 1 + COND_PLANES, size: INPAINT_TILE, seed: Number(a.seed) }, null, 2));
console.log(`wrote ${written} tiles to ${a.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
