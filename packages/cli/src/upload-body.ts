import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { byFrameName, frameFormat } from '@reelrestore/shared/frames/frame-files';

/** Frame files of an image-sequence folder, in natural order (frame_9 before frame_10). */
export async function listFrameFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => frameFormat(n) !== null);
  return names.sort(byFrameName);
}

/** An uncompressed tar of the frames, produced while it is read: nothing is staged on disk. */
export function tarOfFrames(dir: string, names: string[]): Readable {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const name of names) {
        const path = join(dir, name);
        const { size } = await stat(path);
        const entry = pack.entry({ name, size });
        await pipeline(createReadStream(path), entry);
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  // A Node stream, not tar-stream's own (streamx) one, which stream consumers such as tus-js-client do not recognise.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

/** A multipart/form-data body streamed from `file`, with text fields first so the server sees them before the bytes. */
export function multipartBody(fields: Record<string, string>, file: { name: string; contentType: string; body: Readable }) {
  const boundary = `----reelrestore${randomBytes(12).toString('hex')}`;
  async function* parts() {
    for (const [k, v] of Object.entries(fields)) {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
    }
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(file.name).replace(/"/g, '')}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
    );
    for await (const chunk of file.body) yield chunk as Buffer;
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Readable.from(parts()) };
}
