import type { Frame } from '../frames/types.js';
import type { ReelPlan } from '../frames/plan.js';
import { decodeFrames } from '../frames/decode-frames.js';
import type { ObjectStore } from '../storage/storage.js';

/**
 * URLs ffmpeg opens for frames [start, end): the video itself, or one per image file. Sequence entries
 * outside the range stay empty so a chunk never presigns or stats a whole reel's worth of files.
 */
export async function sourceUrls(store: ObjectStore, plan: ReelPlan, start: number, end: number): Promise<string[]> {
  if (plan.source.type === 'video') return [await store.mediaUrl(plan.source.key)];
  const { prefix } = plan.source;
  const files = plan.media.sequence?.files ?? [];
  const urls = new Array<string>(files.length).fill('');
  await Promise.all(
    files.slice(start, end).map(async (name, i) => {
      urls[start + i] = await store.mediaUrl(prefix + name);
    }),
  );
  return urls;
}

/** Decodes frames [start, end) of a reel's source, in order, a frame at a time. */
export async function* readSourceFrames(store: ObjectStore, plan: ReelPlan, start: number, end: number, signal?: AbortSignal): AsyncGenerator<Frame> {
  const urls = await sourceUrls(store, plan, start, end);
  yield* decodeFrames({ media: plan.media, urls, start, end, ...(signal ? { signal } : {}) });
}
