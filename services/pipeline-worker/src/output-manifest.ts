import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { OutputFile, OutputManifest, ReelOutputs } from '@reelrestore/shared/reels/reel-record';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { ObjectStore, PutResult } from '@reelrestore/shared/storage/storage';

export const videoContentType = (fileName: string) => (fileName.toLowerCase().endsWith('.mov') ? 'video/quicktime' : 'video/x-matroska');

/** A manifest entry for an object just stored: `put` reported its size and SHA-256 while streaming it. */
export function storedFile(role: OutputFile['role'], name: string, key: string, put: PutResult, contentType: string): OutputFile {
  return { role, name, key, size: put.size, sha256: put.sha256, contentType };
}

/** Masks hashed at once (on S3 each is a GET of a small PNG). */
const MASK_BATCH = 8;

/**
 * Builds manifest.json (reelKeys().manifest) as the stitch job stores the outputs. Entries go to a scratch
 * file, one line each, so memory does not grow with the reel's length; `store` uploads the finished
 * document, plain JSON with one file per line.
 */
export class ManifestWriter {
  private readonly out: WriteStream;
  private count = 0;
  private failure: Error | null = null;

  constructor(private readonly path: string) {
    this.out = createWriteStream(path);
    this.out.on('error', (err) => (this.failure = err));
  }

  async add(file: OutputFile): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.out.write(`${this.count++ ? ',\n' : ''}${JSON.stringify(file)}`)) await once(this.out, 'drain');
  }

  /**
   * Every mask the segment stage stored (`masks/<frame>.png`), read once each to hash it. Masks are small
   * PNGs; the restored picture, hundreds of gigabytes on a long reel, is never read again.
   */
  async addMasks(store: ObjectStore, reelId: string, signal?: AbortSignal): Promise<void> {
    const { root, maskPrefix } = reelKeys(reelId);
    let batch: { key: string; frame: number }[] = [];
    const flush = async () => {
      signal?.throwIfAborted();
      const hashed = await Promise.all(batch.map((m) => hashObject(store, m.key)));
      for (const [i, m] of batch.entries()) await this.add({ ...storedFile('mask', m.key.slice(root.length), m.key, hashed[i]!, 'image/png'), frame: m.frame });
      batch = [];
    };
    for await (const obj of store.list(maskPrefix)) {
      const m = /^(\d+)\.png$/.exec(obj.key.slice(maskPrefix.length));
      if (!m) continue;
      batch.push({ key: obj.key, frame: Number(m[1]) });
      if (batch.length === MASK_BATCH) await flush();
    }
    await flush();
  }

  /** Uploads the manifest; returns its key. */
  async store(store: ObjectStore, reelId: string, kind: ReelOutputs['kind']): Promise<string> {
    this.out.end();
    await finished(this.out);
    if (this.failure) throw this.failure;
    const key = reelKeys(reelId).manifest;
    const head: Omit<OutputManifest, 'files'> = { version: 1, reelId, kind, createdAt: new Date().toISOString() };
    const path = this.path;
    async function* document() {
      yield Buffer.from(`${JSON.stringify(head).slice(0, -1)},"files":[\n`);
      yield* createReadStream(path);
      yield Buffer.from('\n]}\n');
    }
    await store.put(key, Readable.from(document()), { contentType: 'application/json' });
    return key;
  }

  /** Lets go of the scratch file when the stitch fails. */
  close(): void {
    this.out.destroy();
  }
}

async function hashObject(store: ObjectStore, key: string): Promise<PutResult> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of (await store.get(key)) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}
