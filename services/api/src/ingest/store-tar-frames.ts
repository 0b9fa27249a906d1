import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BadInputError, errorMessage } from '@reelrestore/shared/errors';
import type { ReelSource } from '@reelrestore/shared/reels/reel-record';
import { reelKeys, safeFileName } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { FormatTracker, FRAME_CONTENT_TYPES, frameFormat } from '@reelrestore/shared/frames/frame-files';
import { drainedOrClosed } from '../drained.js';

type SequenceSource = Extract<ReelSource, { type: 'sequence' }>;

/**
 * Unpacks an uncompressed tar of frames into the reel's source/frames/ one entry at a time (each streamed,
 * none buffered). Folders inside the tar are flattened; directories, dotfiles, __MACOSX and non-frame files
 * are skipped. The reel's source is then those frames, with the size and SHA-256 of the tar as received.
 */
export async function storeTarFrames(body: Readable, store: ObjectStore, reelId: string): Promise<SequenceSource> {
  const extract = tar.extract();
  // The iterator must listen before the first byte is written, or early entries would be missed.
  const entries = extract[Symbol.asyncIterator]();
  const hash = createHash('sha256');
  let size = 0;
  let feedError: unknown = null;

  const feeding = (async () => {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        if (!extract.write(chunk)) await drainedOrClosed(extract);
        if (extract.destroyed) return;
      }
      extract.end(null);
    } catch (err) {
      feedError = err;
      extract.destroy(err as Error);
    }
  })();

  const keys = reelKeys(reelId);
  const formats = new FormatTracker();
  const names = new Set<string>();
  let completed = false;
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof entries.next>>;
      try {
        next = await entries.next();
      } catch (err) {
        if (feedError) throw feedError;
        throw new BadInputError(`the tar archive could not be read: ${errorMessage(err)}`, 422, { cause: err });
      }
      if (next.done) break;
      const entry = next.value;
      const { name, type } = entry.header;
      const format = type === 'file' || type === 'contiguous-file' ? frameFormat(name) : null;
      if (format === null) {
        entry.resume();
        continue;
      }
      formats.accept(format, 'the tar');
      const fileName = safeFileName(name);
      if (names.has(fileName)) throw new BadInputError(`the tar holds two frames named "${fileName}"`, 422);
      names.add(fileName);
      await store.put(keys.sourceFrame(fileName), Readable.from(entry, { objectMode: false }), { contentType: FRAME_CONTENT_TYPES[format] });
    }
    await feeding;
    if (feedError) throw feedError;
    completed = true;
  } finally {
    if (!completed) {
      extract.destroy();
      body.destroy();
    }
  }

  if (formats.format === null) throw new BadInputError('the tar holds no DPX, TIFF or PNG frames', 422);
  return { type: 'sequence', prefix: `${keys.sourcePrefix}frames/`, frames: names.size, size, sha256: hash.digest('hex') };
}
