import rangeParser from 'range-parser';

/** What a download answers to a request's `Range` header (RFC 9110 §14). */
export type ByteRange =
  /** No usable Range: the whole file, 200. */
  | { kind: 'full' }
  /** One range, both ends inclusive: 206 with Content-Range. */
  | { kind: 'partial'; start: number; end: number }
  /** Every range starts past the end (or the file is empty): 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

/**
 * Reads `Range` against a file of `size` bytes. Only the `bytes` unit is understood; a header in another unit or
 * one that does not parse is ignored (the whole file), as RFC 9110 allows. Several ranges are merged where they
 * overlap or touch; several disjoint ones are answered with the whole file rather than multipart/byteranges.
 * `If-Range` makes the range conditional on a validator; downloads carry none (no ETag, no Last-Modified),
 * so a request with If-Range always gets the whole file.
 */
export function byteRange(header: string | undefined, size: number, opts: { ifRange?: boolean } = {}): ByteRange {
  if (!header || opts.ifRange) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const parsed = rangeParser(size, clampSuffixes(header, size), { combine: true });
  if (parsed === -2) return { kind: 'full' };
  if (parsed === -1) return { kind: 'unsatisfiable' };
  const only = parsed.length === 1 ? parsed[0] : undefined;
  return only ? { kind: 'partial', start: only.start, end: only.end } : { kind: 'full' };
}

/**
 * RFC 9110 §14.1.2: a suffix range longer than the file selects the whole file. range-parser counts it as
 * unsatisfiable, so such suffixes are shortened to the file's size first (on an empty file that is `-0`,
 * which stays unsatisfiable, as it should).
 */
function clampSuffixes(header: string, size: number): string {
  const eq = header.indexOf('=');
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((spec) => {
      const m = /^\s*-\s*(\d+)\s*$/.exec(spec);
      return m && Number(m[1]) > size ? `-${size}` : spec;
    });
  return `${header.slice(0, eq)}=${specs.join(',')}`;
}

/** `Content-Range` of a partial answer. */
export const contentRange = (start: number, end: number, size: number) => `bytes ${start}-${end}/${size}`;

/** `Content-Range` of a 416 answer. */
export const unsatisfiedRange = (size: number) => `bytes */${size}`;
