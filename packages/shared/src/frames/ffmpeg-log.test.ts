import { describe, expect, it } from 'vitest';
import { inputComplaint, STDERR_TAIL_CHARS } from './ffmpeg.js';

describe("what ffmpeg said about its input", () => {
  it("quotes the demuxer's or decoder's first line, not the output muxer's timestamp notes after a trim", () => {
    const log = [
      '[null @ 0x55f6] Application provided invalid, non monotonically increasing dts to muxer in stream 0: 2 >= 2',
      '[matroska,webm @ 0x55fa] File ended prematurely',
      '[h264 @ 0x56aa] left block unavailable for requested intra mode',
    ].join('\n');
    expect(inputComplaint(log)).toBe('[matroska,webm @ 0x55fa] File ended prematurely');
    expect(inputComplaint('[rawvideo @ 0x1] Application provided invalid, non monotonically increasing dts to muxer\n')).toBeUndefined();
    expect(inputComplaint('')).toBeUndefined();
  });

  it('skips the cut-off line a full tail starts with', () => {
    const line = '[h264 @ 0x56aa] error while decoding MB 3 7, bytestream -5';
    const full = `${'x'.repeat(20)}tail of an older line\n${line}\n`.padEnd(STDERR_TAIL_CHARS, ' ');
    expect(inputComplaint(full)).toBe(line);
  });
});
