import { describe, expect, it } from 'vitest';
import { sniffMedia, videoExtension } from './sniff-media.js';

const at = (offset: number, text: string, length = 512) => {
  const b = Buffer.alloc(length);
  b.write(text, offset, 'latin1');
  return b;
};

describe('sniffMedia', () => {
  it('recognises the supported containers by their first bytes', () => {
    expect(sniffMedia(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x01]))).toEqual({ kind: 'video', container: 'matroska' });
    expect(sniffMedia(at(4, 'ftypisom'))).toEqual({ kind: 'video', container: 'mp4' });
    expect(sniffMedia(at(4, 'ftypqt  '))).toEqual({ kind: 'video', container: 'mov' });
    for (const box of ['moov', 'mdat', 'wide', 'free', 'skip']) expect(sniffMedia(at(4, box))).toEqual({ kind: 'video', container: 'mov' });
    expect(sniffMedia(Buffer.from('RIFF\0\0\0\0AVI LIST', 'latin1'))).toEqual({ kind: 'video', container: 'avi' });
    expect(sniffMedia(Buffer.from([0x06, 0x0e, 0x2b, 0x34, 0x02]))).toEqual({ kind: 'video', container: 'mxf' });
    expect(sniffMedia(at(257, 'ustar\0'))).toEqual({ kind: 'tar' });
    expect(sniffMedia(at(257, 'ustar  \0'))).toEqual({ kind: 'tar' });
  });

  it('says what anything else looks like', () => {
    const looks = (b: Buffer) => {
      const s = sniffMedia(b);
      return s.kind === 'other' ? s.looksLike : s.kind;
    };
    expect(looks(Buffer.from('hello, world\n'))).toBe('text');
    expect(looks(Buffer.from([0x1f, 0x8b, 0x08, 0x00]))).toMatch(/gzip.*uncompressed/);
    expect(looks(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toMatch(/single PNG/);
    expect(looks(Buffer.from('SDPX'))).toMatch(/single DPX/);
    expect(looks(Buffer.from([0, 1, 2, 3, 0xff]))).toBe('unrecognised binary data (starts 00 01 02 03 ff)');
    expect(looks(Buffer.alloc(0))).toBe('empty');
  });
});

describe('videoExtension', () => {
  it("keeps the client's extension when it fits the container, otherwise uses the container's", () => {
    expect(videoExtension('mov', 'Reel 3.MOV')).toBe('mov');
    expect(videoExtension('matroska', 'scan.webm')).toBe('webm');
    expect(videoExtension('matroska', 'scan.mov')).toBe('mkv');
    expect(videoExtension('mxf', 'noext')).toBe('mxf');
  });
});
