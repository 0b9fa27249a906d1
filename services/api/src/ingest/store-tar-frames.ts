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

/** Two 512-byte zero blocks close every tar archive. */
const END_MARKER = 1024;

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
  // The last 1 KiB received: every tar writer ends an archive with two zero blocks, so one cut short lacks them.
  let tail = Buffer.alloc(0);

  const feeding = (async () => {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        tail = Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - END_MARKER))]).subarray(-END_MARKER);
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
      // Refused, not skipped: an archive that names something outside itself is not a reel of frames.
      if (type === 'symlink' || type === 'link') throw new BadInputError(`the tar holds a link ("${name.slice(0, 100)}"); send the frames themselves`, 422);
      if (name.split(/[\\/]/).includes('..')) throw new BadInputError(`the tar entry "${name.slice(0, 100)}" points outside the archive (".."); refused`, 422);
      const format = type === 'file' || type === 'contiguous-file' ? frameFormat(name) : null;
      if (format === null) {
        entry.resume();
        continue;
      }
      formats.accept(format, 'the tar');
      const fileName = safeFileName(name);
      if (names.has(fileName)) throw new BadInputError(`the tar holds two frames named "${fileName}"`, 422);
      names.add(fileName);
      let received = 0;
      async function* counted() {
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          received += chunk.length;
          yield chunk;
        }
      }
      await store.put(keys.sourceFrame(fileName), Readable.from(counted(), { objectMode: false }), { contentType: FRAME_CONTENT_TYPES[format] });
      // A tar cut short ends inside its last entry: that frame is incomplete, and so is the reel.
      const expected = entry.header.size ?? received;
      if (received < expected) throw new BadInputError(`the tar ends in the middle of ${fileName} (${received} of ${expected} bytes): the upload was cut short`, 422);
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
  if (tail.length < END_MARKER || tail.some((b) => b !== 0)) throw new BadInputError('the tar has no end-of-archive marker: the upload was cut short', 422);
  return { type: 'sequence', prefix: `${keys.sourcePrefix}frames/`, frames: names.size, size, sha256: hash.digest('hex') };
}
