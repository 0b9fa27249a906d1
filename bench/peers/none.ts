/** The do-nothing peer: the damaged frames as they are. Every score is measured against this floor. */
import type { Samples } from '@reelrestore/shared/frames/types';

export function restoreNone(frames: Samples[]): Samples[] {
  return frames;
}
