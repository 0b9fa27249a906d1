/**
 * What an upload is, judged by its first bytes rather than by the name or content type a client declares.
 */
export type VideoContainer = 'matroska' | 'mp4' | 'mov' | 'avi' | 'mxf';

export type SniffedKind = { kind: 'tar' } | { kind: 'video'; container: VideoContainer } | { kind: 'other'; looksLike: string };

/** Enough for a tar header (magic at 257) and every video signature below. */
export const SNIFF_BYTES = 512;

const QUICKTIME_BOXES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip']);

const ascii = (b: Buffer, start: number, end: number) => b.toString('latin1', start, end);
const startsWith = (b: Buffer, bytes: number[]) => b.length >= bytes.length && bytes.every((v, i) => b[i] === v);

export function sniffMedia(head: Buffer): SniffedKind {
  if (head.length >= 262 && ascii(head, 257, 262) === 'ustar') return { kind: 'tar' };
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: 'video', container: 'matroska' };
  if (head.length >= 8 && QUICKTIME_BOXES.has(ascii(head, 4, 8))) {
    // An `ftyp` brand of "qt  " is QuickTime; other brands are the MP4 family. Files that open with another box are QuickTime.
    const mp4 = ascii(head, 4, 8) === 'ftyp' && ascii(head, 8, 12) !== 'qt  ';
    return { kind: 'video', container: mp4 ? 'mp4' : 'mov' };
  }
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'AVI ') return { kind: 'video', container: 'avi' };
  if (startsWith(head, [0x06, 0x0e, 0x2b, 0x34])) return { kind: 'video', container: 'mxf' };
  return { kind: 'other', looksLike: describeBytes(head) };
}

/** A short human description of unsupported content, so a 415 says what the server actually received. */
function describeBytes(head: Buffer): string {
  if (head.length === 0) return 'empty';
  if (startsWith(head, [0x1f, 0x8b])) return 'a gzip-compressed file; send the tar uncompressed';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'a zstd-compressed file; send the tar uncompressed';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'an xz-compressed file; send the tar uncompressed';
  if (ascii(head, 0, 3) === 'BZh') return 'a bzip2-compressed file; send the tar uncompressed';
  if (ascii(head, 0, 4) === 'PK\x03\x04') return 'a zip archive; send an uncompressed tar instead';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return 'a single PNG image; send a tar of all frames';
  if (ascii(head, 0, 4) === 'II*\0' || ascii(head, 0, 4) === 'MM\0*') return 'a single TIFF image; send a tar of all frames';
  if (ascii(head, 0, 4) === 'SDPX' || ascii(head, 0, 4) === 'XPDS') return 'a single DPX image; send a tar of all frames';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'a JPEG image';
  if (ascii(head, 0, 4) === '%PDF') return 'a PDF document';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return 'a WAV audio file';
  if (head[0] === 0x47 && (head.length < 189 || head[188] === 0x47)) return 'an MPEG transport stream; remux it to MKV or MOV';
  if (looksLikeText(head)) return 'text';
  return `unrecognised binary data (starts ${head.subarray(0, 8).toString('hex').replace(/(..)(?!$)/g, '$1 ')})`;
}

function looksLikeText(head: Buffer): boolean {
  let printable = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b === 9 || b === 10 || b === 13 || (b >= 0x20 && b !== 0x7f)) printable++;
  }
  return printable / head.length > 0.95;
}

const CONTAINER_EXTENSIONS: Record<VideoContainer, string[]> = {
  matroska: ['mkv', 'webm'],
  mp4: ['mp4', 'm4v', 'mov'],
  mov: ['mov', 'mp4', 'm4v', 'qt'],
  avi: ['avi'],
  mxf: ['mxf'],
};

/** The client's extension when it fits the container (ffmpeg and people both read it), otherwise the container's own. */
export function videoExtension(container: VideoContainer, fileName: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  const allowed = CONTAINER_EXTENSIONS[container];
  return ext && allowed.includes(ext) ? ext : (allowed[0] ?? 'bin');
}

export const VIDEO_CONTENT_TYPES: Record<string, string> = {
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  qt: 'video/quicktime',
  avi: 'video/x-msvideo',
  mxf: 'application/mxf',
};

export function unsupportedMediaMessage(received: { contentType: string; fileName: string; looksLike: string }): string {
  const name = received.fileName.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  return (
    `received ${received.contentType || 'no content type'} '${name}' (looks like ${received.looksLike}): ` +
    'expected a video file (MOV/MKV/MP4/AVI/MXF) or an uncompressed tar of DPX/TIFF/PNG frames'
  );
}
