import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import tar, { type Pack } from 'tar-stream';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { drainedOrClosed } from '../drained.js';

/**
 * Every object under `prefix` as one tar stream, entry names relative to the prefix. Objects are read one at a
 * time and only as fast as the client takes the tar, so memory stays flat however many frames there are.
 */
export function packPrefix(store: ObjectStore, prefix: string, log: FastifyBaseLogger): Readable {
  const pack = tar.pack();
  void (async () => {
    for await (const obj of store.list(prefix)) {
      if (pack.destroyed) return;
      await addEntry(pack, obj.key.slice(prefix.length), obj.size, await store.get(obj.key));
    }
    pack.finalize();
  })().catch((err: unknown) => {
    log.error({ err, prefix }, 'tar download failed');
    pack.destroy(err as Error);
  });
  return Readable.from(pack, { objectMode: false });
}

async function addEntry(pack: Pack, name: string, size: number, body: Readable): Promise<void> {
  let sink!: ReturnType<Pack['entry']>;
  const written = new Promise<void>((resolve, reject) => {
    sink = pack.entry({ name, size, mode: 0o644 }, (err) => (err ? reject(err) : resolve()));
  });
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (!sink.write(chunk)) await drainedOrClosed(sink);
      if (pack.destroyed) return;
    }
    sink.end(null);
    await written;
  } finally {
    body.destroy();
  }
}
