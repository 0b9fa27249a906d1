import { BadInputError } from '../errors.js';
import type { SequenceFormat } from './types.js';

const FORMATS: Record<string, SequenceFormat> = { png: 'png', tif: 'tiff', tiff: 'tiff', dpx: 'dpx' };

export const FRAME_CONTENT_TYPES: Record<SequenceFormat, string> = { png: 'image/png', tiff: 'image/tiff', dpx: 'image/x-dpx' };

/**
 * The image format of a frame file, or null for anything that is not a frame: other extensions,
 * dotfiles, and the resource-fork folders macOS adds to archives.
 */
export function frameFormat(path: string): SequenceFormat | null {
  // "./00097.png" is how `tar -C frames .` names entries: "." is the folder itself, not a dotfile.
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p.startsWith('.') || p === '__MACOSX')) return null;
  const ext = /\.([a-z0-9]+)$/i.exec(parts.at(-1) ?? '')?.[1]?.toLowerCase();
  return (ext && FORMATS[ext]) || null;
}

/**
 * Frame order of a sequence: natural, so frame_9 comes before frame_10. The probe numbers frames in this
 * order and the CLI names masks by it, so both must use this one comparator.
 */
export function byFrameName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Runs of numbers missing between neighbouring names (in frame order): after `before`, `count` of them. */
function gapsIn(sortedNames: readonly string[]): { before: string; after: string; first: number; count: number; width: number }[] {
  const gaps = [];
  for (let i = 1; i < sortedNames.length; i++) {
    const a = numberOf(sortedNames[i - 1]!);
    const b = numberOf(sortedNames[i]!);
    if (a && b && b.value - a.value > 1) gaps.push({ before: sortedNames[i - 1]!, after: sortedNames[i]!, first: a.value + 1, count: b.value - a.value - 1, width: a.width });
  }
  return gaps;
}

/**
 * Gaps in a sequence's frame numbers (the last run of digits in each name, in frame order): frames that a
 * scanner numbered but the upload does not hold. Reported, not fatal: a reel may start anywhere and a lab may
 * have dropped blank frames, but nobody should find out from the output.
 */
export function numberingGaps(sortedNames: readonly string[]): string[] {
  return gapsIn(sortedNames).map(({ before, after, first, count, width }) => {
    const pad = (n: number) => String(n).padStart(width, '0');
    return `${count === 1 ? `frame ${pad(first)} is` : `frames ${pad(first)} to ${pad(first + count - 1)} are`} missing from the numbering (between ${before} and ${after})`;
  });
}

/** Frames a sequence's numbering says are missing: the sum of the gaps numberingGaps names. */
export function missingFromNumbering(sortedNames: readonly string[]): number {
  return gapsIn(sortedNames).reduce((n, g) => n + g.count, 0);
}

/** The last run of digits in a frame name: its number, and how many digits it is written with. */
function numberOf(name: string): { value: number; width: number } | null {
  const m = /(\d+)(?!.*\d)/.exec(name);
  return m ? { value: Number(m[1]), width: m[1]!.length } : null;
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
