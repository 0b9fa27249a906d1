import { BadInputError } from '../errors.js';
import type { SequenceFormat } from './types.js';

const FORMATS: Record<string, SequenceFormat> = { png: 'png', tif: 'tiff', tiff: 'tiff', dpx: 'dpx' };

export const FRAME_CONTENT_TYPES: Record<SequenceFormat, string> = { png: 'image/png', tiff: 'image/tiff', dpx: 'image/x-dpx' };

/**
 * The image format of a frame file, or null for anything that is not a frame: other extensions,
 * dotfiles, and the resource-fork folders macOS adds to archives.
 */
export function frameFormat(path: string): SequenceFormat | null {
  const parts = path.split('/').filter(Boolean);
  if (parts.some((p) => p.startsWith('.') || p === '__MACOSX')) return null;
  const ext = /\.([a-z0-9]+)$/i.exec(parts.at(-1) ?? '')?.[1]?.toLowerCase();
  return (ext && FORMATS[ext]) || null;
}

/** One format per reel: the stitcher writes the sequence back in the format it came in. */
export class FormatTracker {
  format: SequenceFormat | null = null;

  accept(format: SequenceFormat, where: string): void {
    if (this.format === null) this.format = format;
    else if (this.format !== format) {
      throw new BadInputError(`${where} mixes frame formats (${this.format} and ${format}); send one format per reel`, 422);
    }
  }
}
