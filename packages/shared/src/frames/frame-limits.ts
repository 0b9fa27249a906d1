import type { Config } from '../config.js';
import { BadInputError } from '../errors.js';
import type { FrameLayout } from './types.js';

export type FrameLimits = Pick<Config, 'MAX_FRAME_WIDTH' | 'MAX_FRAME_HEIGHT' | 'MAX_FRAME_PIXELS' | 'MAX_ASPECT_RATIO' | 'MIN_FRAME_SIDE'>;

/**
 * Refuses frames no film scan has, before any work is planned: a reel's cost follows its frame size, so a
 * few tiny uploads of absurd geometry must not hold the workers every tenant shares. Each reason names the
 * frame size and the limit, and the setting that moves it.
 */
export function assertFrameGeometry(layout: Pick<FrameLayout, 'width' | 'height'>, limits: FrameLimits): void {
  const { width, height } = layout;
  const size = `${width}x${height}`;
  const refuse = (why: string) => {
    throw new BadInputError(`frames are ${size}: ${why}`, 422);
  };
  if (Math.min(width, height) < limits.MIN_FRAME_SIDE) refuse(`too small for a film scan (at least ${limits.MIN_FRAME_SIDE} pixels a side; MIN_FRAME_SIDE)`);
  if (width > limits.MAX_FRAME_WIDTH) refuse(`wider than ${limits.MAX_FRAME_WIDTH} pixels (MAX_FRAME_WIDTH)`);
  if (height > limits.MAX_FRAME_HEIGHT) refuse(`taller than ${limits.MAX_FRAME_HEIGHT} pixels (MAX_FRAME_HEIGHT)`);
  if (width * height > limits.MAX_FRAME_PIXELS) refuse(`more than ${limits.MAX_FRAME_PIXELS} pixels a frame (MAX_FRAME_PIXELS)`);
  const aspect = Math.max(width, height) / Math.min(width, height);
  if (aspect > limits.MAX_ASPECT_RATIO) refuse(`an aspect ratio of ${aspect.toFixed(1)}:1, beyond any film format (at most ${limits.MAX_ASPECT_RATIO}:1; MAX_ASPECT_RATIO)`);
}
