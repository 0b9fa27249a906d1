import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';

/** A pass-through that hashes and counts what flows through it, so a put can report SHA-256 and size without a second read. */
export function hashingTap(): { tap: Transform; result(): { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { tap, result: () => ({ size, sha256: hash.digest('hex') }) };
}

export function toReadable(body: Readable | Buffer | Uint8Array): Readable {
  return body instanceof Readable ? body : Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
}
