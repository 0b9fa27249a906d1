import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openVideoWriter, writeSequenceFrame } from '../../packages/shared/src/frames/encode-frames.js';
import type { FrameLayout, Samples } from '../../packages/shared/src/frames/types.js';

/** The pix_fmt a PNG of this layout is stored in. */
export function pngPixFmt(l: FrameLayout): string {
  if (l.channels === 1) return l.bits === 16 ? 'gray16be' : 'gray';
  return l.bits === 16 ? 'rgb48be' : 'rgb24';
}

export async function writePngSequence(dir: string, layout: FrameLayout, frames: Samples[], prefix = 'frame_'): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (const [i, data] of frames.entries()) {
    const name = `${prefix}${String(i + 1).padStart(4, '0')}.png`;
    await writeSequenceFrame({ layout, format: 'png', pixFmt: pngPixFmt(layout), data, outPath: join(dir, name) });
    names.push(name);
  }
  return names;
}

export async function writeFfv1Video(path: string, layout: FrameLayout, frames: Samples[]): Promise<void> {
  const w = await openVideoWriter({ layout, fps: { num: 24, den: 1 }, outPath: path, codec: 'ffv1' });
  for (const f of frames) await w.write(f);
  await w.close();
}
