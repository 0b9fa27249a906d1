import type { FrameLayout } from '../frames/types.js';
import { decodeMaskPng, encodeMaskPng } from '../restore/mask-png.js';
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

/**
 * The frame's detected mask, kept aside the first time a review edits the frame (before its final mask is
 * overwritten), and read from there on every later review: one read either way.
 */
export async function keepDetectedMask(store: ObjectStore, reelId: string, frame: number, layout: Pick<FrameLayout, 'width' | 'height'>): Promise<Uint8Array> {
  const keys = reelKeys(reelId);
  if (await store.head(keys.detectedMask(frame))) return (await decodeMaskPng(await store.getBuffer(keys.detectedMask(frame)))).mask;
  const detected = (await store.head(keys.mask(frame))) ? (await decodeMaskPng(await store.getBuffer(keys.mask(frame)))).mask : new Uint8Array(layout.width * layout.height);
  await store.put(keys.detectedMask(frame), await encodeMaskPng(detected, layout.width, layout.height), { contentType: 'image/png' });
  return detected;
}
