import type { FrameLayout } from '../frames/types.js';
import { decodeMaskPng } from '../restore/mask-png.js';
import { reelKeys } from '../storage/keys.js';
import type { ObjectStore } from '../storage/storage.js';

/**
 * A frame's mask as the outputs use it (final) or as the detector made it. Until a review edit changes a
 * frame, the two are the same file; a frame with no mask stored has nothing repainted.
 */
export async function readReviewMask(store: ObjectStore, reelId: string, frame: number, which: 'final' | 'detected', layout: Pick<FrameLayout, 'width' | 'height'>): Promise<Uint8Array> {
  const keys = reelKeys(reelId);
  const candidates = which === 'detected' ? [keys.detectedMask(frame), keys.mask(frame)] : [keys.mask(frame)];
  for (const key of candidates) {
    if (await store.head(key)) return (await decodeMaskPng(await store.getBuffer(key))).mask;
  }
  return new Uint8Array(layout.width * layout.height);
}
