import { BadInputError } from '../errors.js';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** Rejects anything that could escape a prefix: empty segments, '.', '..', absolute paths, odd characters. */
export function safeKey(raw: string, what = 'key'): string {
  const parts = raw.split('/');
  const trailingSlash = parts.at(-1) === '';
  const segs = trailingSlash ? parts.slice(0, -1) : parts;
  if (raw.length === 0 || raw.length > 1024 || segs.length === 0 || !segs.every((s) => SEGMENT.test(s) && s !== '..')) {
    throw new BadInputError(`${what} "${raw.slice(0, 100)}" is not a valid object key (letters, digits, . _ - separated by /, no "..")`, 400);
  }
  return raw;
}

/** What safeFileName makes: one segment of letters, digits, . _ -, starting with a letter or digit. */
export const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** A file name from a client (upload or tar entry) reduced to a safe single segment. */
export function safeFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '');
  if (!cleaned) throw new BadInputError(`file name "${raw.slice(0, 100)}" has no usable characters`, 400);
  return cleaned.slice(0, 200);
}

const pad = (n: number) => String(n).padStart(7, '0');

/**
 * A tenant's own space in the store. Stored sources are named relative to `sources` (archives stage
 * scans there, or an operator syncs them in), so one tenant can never name another's data: every key a
 * request names is joined onto its own tenant's prefix, and safeKey forbids climbing out of it.
 */
export function tenantKeys(tenantId: string) {
  const root = `tenants/${tenantId}/`;
  return {
    root,
    sources: `${root}sources/`,
    source: (key: string) => `${root}sources/${key}`,
    uploads: `${root}uploads/`,
    upload: (uploadId: string) => `${root}uploads/${uploadId}`,
  };
}

/** The storage layout of one reel. Everything a reel owns lives under `reels/<id>/`. */
export function reelKeys(reelId: string) {
  const root = `reels/${reelId}/`;
  return {
    root,
    sourcePrefix: `${root}source/`,
    sourceFile: (fileName: string) => `${root}source/${safeFileName(fileName)}`,
    sourceFrame: (fileName: string) => `${root}source/frames/${safeFileName(fileName)}`,
    /** Media description and chunk plan written by the probe job. */
    plan: `${root}plan.json`,
    maskPrefix: `${root}masks/`,
    mask: (frame: number) => `${root}masks/${pad(frame)}.png`,
    /** A frame's mask as the detector made it, kept when a review edit first changes the frame's mask. */
    detectedMask: (frame: number) => `${root}review/detected/${pad(frame)}.png`,
    /** Known damage of benchmark material (PUT /truth), so the console can colour hits, false alarms and misses. */
    truthMask: (frame: number) => `${root}truth/${pad(frame)}.png`,
    /** Images made for the console (API frame views), per revision; dropped when a review re-renders the reel. */
    frameCache: `${root}cache/frames/`,
    patch: (shot: number, chunk: number) => `${root}patches/s${shot}-c${chunk}.bin`,
    outputPrefix: `${root}output/`,
    output: (fileName: string) => `${root}output/${safeFileName(fileName)}`,
    outputFrame: (fileName: string) => `${root}output/frames/${safeFileName(fileName)}`,
    preview: `${root}output/preview.mp4`,
    report: `${root}report.json`,
    /** Every output file with its size and SHA-256, written by the stitch job once the outputs are stored. */
    manifest: `${root}manifest.json`,
  };
}
