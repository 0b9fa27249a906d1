import { describe, expect, it } from 'vitest';
import { loadConfig } from '../packages/shared/src/config.js';
import { ConfigError } from '../packages/shared/src/errors.js';
import { inpaintService } from '../services/inpaint-worker/src/index.js';
import { segmentService } from '../services/segment-worker/src/index.js';

// A wrong model path must stop a worker at start with the variable's name, not fail every chunk later.
describe('workers check their model file at start', () => {
  it('the inpaint worker refuses a missing INPAINT_MODEL, and does not need one with INPAINTER=median', async () => {
    expect(() => inpaintService(loadConfig({ INPAINT_MODEL: '/nonexistent/inpaint.onnx' }))).toThrow(ConfigError);
    expect(() => inpaintService(loadConfig({ INPAINT_MODEL: '/nonexistent/inpaint.onnx' }))).toThrow(/INPAINT_MODEL: model file not found: \/nonexistent\/inpaint.onnx/);
    const median = inpaintService(loadConfig({ INPAINTER: 'median', INPAINT_MODEL: '/nonexistent/inpaint.onnx' }));
    await median.close();
  });

  it('the segment worker refuses a missing SEGMENT_MODEL, and does not need one with SEGMENTER=spike', async () => {
    expect(() => segmentService(loadConfig({ SEGMENT_MODEL: '/nonexistent/segment.onnx' }))).toThrow(/SEGMENT_MODEL: model file not found/);
    const spike = segmentService(loadConfig({ SEGMENTER: 'spike', SEGMENT_MODEL: '/nonexistent/segment.onnx' }));
    await spike.close();
  });
});
