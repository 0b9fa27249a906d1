import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';

const TUS = { 'tus-resumable': '1.0.0' };
/** Generated files come in blocks of this size, each numbered, so both sides can hash them without holding them. */
export const BLOCK_BYTES = 1024 * 1024;
const BLOCK = randomBytes(BLOCK_BYTES);

/** Bytes [offset, block end or `end`) of the generated file: reproducible, and every MiB differs (a chunk sent twice or skipped changes the hash). */
export function chunkAt(offset: number, end: number): Buffer {
  const index = Math.floor(offset / BLOCK.length);
  const chunk = Buffer.from(BLOCK);
  chunk.writeUInt32BE(index, 0);
  return chunk.subarray(offset - index * BLOCK.length, Math.min(BLOCK.length, end - index * BLOCK.length));
}

/**
 * The tus requests a client sends, raw, so a test controls where a connection breaks: against the API at
 * `base()` (known once it listens) with `key` unless another is given. Statuses are the caller's to check.
 */
export function tusRequests(base: () => string, key: string) {
  const auth = (k: string) => ({ ...TUS, authorization: `Bearer ${k}` });

  async function create(size: number, fileName: string, k = key): Promise<Response> {
    return fetch(`${base()}/v1/uploads`, {
      method: 'POST',
      headers: { ...auth(k), 'upload-length': String(size), 'upload-metadata': `filename ${Buffer.from(fileName).toString('base64')}` },
    });
  }

  function offsetOf(url: string, k = key): Promise<Response> {
    return fetch(url, { method: 'HEAD', headers: auth(k) });
  }

  /**
   * PATCHes bytes [from, size) of the generated file, breaking the connection off once `stopAt` bytes of
   * the file have been sent (as a dropped network would). Resolves when the request ends or breaks.
   */
  function patchGenerated(url: string, from: number, size: number, stopAt = Infinity): Promise<void> {
    return new Promise((resolve) => {
      const req = httpRequest(url, { method: 'PATCH', headers: { ...auth(key), 'content-type': 'application/offset+octet-stream', 'upload-offset': String(from) } });
      req.on('error', () => resolve());
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      let at = from;
      const pump = () => {
        while (at < size) {
          if (at >= stopAt) {
            req.destroy();
            return;
          }
          const chunk = chunkAt(at, size);
          at += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
  }

  /** The offset the server holds; after a break it stores what arrived a moment after the socket closes. */
  async function serverOffset(url: string): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const res = await offsetOf(url);
      if (res.status === 200) return Number(res.headers.get('upload-offset'));
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the upload stayed locked');
  }

  /** One whole upload of `data`; resolves with the PATCH's answer and the upload's id. */
  async function uploadWhole(data: Buffer, fileName: string, k = key): Promise<{ status: number; id: string }> {
    const url = (await create(data.length, fileName, k)).headers.get('location')!;
    const res = await fetch(url, { method: 'PATCH', headers: { ...auth(k), 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, body: data });
    return { status: res.status, id: url.split('/').at(-1)! };
  }

  return { create, offsetOf, patchGenerated, serverOffset, uploadWhole };
}
