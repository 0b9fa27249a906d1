import { Readable } from 'node:stream';

/**
 * Reads the first `bytes` of a stream (fewer if it ends first) and returns them together with a stream that
 * replays them followed by the rest, so content can be sniffed without buffering the whole upload.
 */
export async function peekStream(stream: Readable, bytes: number): Promise<{ head: Buffer; rest: Readable }> {
  const it: AsyncIterator<Buffer> = stream[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    let done = false;
    try {
      for (;;) {
        const next = await it.next();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // The consumer stopped early (an error downstream): release the source too.
      if (!done) await it.return?.();
    }
  }
  return { head, rest: Readable.from(replay(), { objectMode: false }) };
}
