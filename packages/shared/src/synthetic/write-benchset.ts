/**
 * Writes benchmark sequences to disk so people and other tools can look at them:
 * <outDir>/<name>/{clean,damaged,mask,classes}/frame_0001.png plus meta.json. Frames keep their bit depth
 * (16-bit PNG for 16-bit sequences); masks and class maps are 8-bit grey.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FrameLayout, Samples } from '../frames/types.js';
import { DAMAGE_CLASSES, type BenchSequence } from './film-sequence.js';

export interface WrittenSequence {
  name: string;
  dir: string;
  frames: number;
  layout: FrameLayout;
  /** Share of pixels marked damaged over all frames. */
  damagedShare: number;
}

export function frameFileName(index: number): string {
  return `frame_${String(index + 1).padStart(4, '0')}.png`;
}

export async function writeBenchmarkSet(
  outDir: string,
  sequences: AsyncIterable<BenchSequence> | Iterable<BenchSequence>,
): Promise<WrittenSequence[]> {
  const written: WrittenSequence[] = [];
  for await (const seq of sequences) written.push(await writeBenchSequence(outDir, seq));
  return written;
}

export async function writeBenchSequence(outDir: string, seq: BenchSequence): Promise<WrittenSequence> {
  const dir = join(outDir, seq.name);
  const { layout } = seq;
  for (const sub of ['clean', 'damaged', 'mask', 'classes']) await mkdir(join(dir, sub), { recursive: true });
  let marked = 0;
  let total = 0;
  for (let f = 0; f < seq.clean.length; f++) {
    const file = frameFileName(f);
    const mask = seq.masks[f]!;
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) marked++;
    total += mask.length;
    await writePng(join(dir, 'clean', file), seq.clean[f]!, layout);
    await writePng(join(dir, 'damaged', file), seq.damaged[f]!, layout);
    await writePng(join(dir, 'mask', file), mask, { ...layout, channels: 1, bits: 8 });
    await writePng(join(dir, 'classes', file), seq.classes[f]!, { ...layout, channels: 1, bits: 8 });
  }
  const meta = {
    name: seq.name,
    layout,
    frames: seq.clean.length,
    files: { pattern: 'frame_%04d.png', first: 1, folders: ['clean', 'damaged', 'mask', 'classes'] },
    mask: '255 where the damaged frame differs visibly from the clean one (more than 1.5 steps of 8-bit), else 0; elsewhere damaged equals clean exactly',
    classes: Object.fromEntries(DAMAGE_CLASSES.map((c, i) => [i, c])),
    ...seq.meta,
  };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { name: seq.name, dir, frames: seq.clean.length, layout, damagedShare: total > 0 ? marked / total : 0 };
}

/**
 * One frame as PNG at its own depth. sharp infers 16-bit raw input from a Uint16Array (a Buffer with a
 * depth option is read as bytes), and without an explicit colourspace it writes grey as RGB.
 */
export async function writePng(path: string, data: Samples, layout: FrameLayout): Promise<void> {
  const { width, height, channels, bits } = layout;
  if ((data instanceof Uint16Array) !== (bits === 16)) throw new Error(`writePng: ${bits}-bit layout but ${data.constructor.name} samples`);
  let img = sharp(data, { raw: { width, height, channels } });
  if (bits === 16) img = img.toColourspace(channels === 1 ? 'grey16' : 'rgb16');
  else img = img.toColourspace(channels === 1 ? 'b-w' : 'srgb');
  await img.png({ compressionLevel: 6 }).toFile(path);
}
