import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '@reelrestore/shared/errors';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { sendProblem } from '../plugins/error-handler.js';
import { byteRange, contentRange, unsatisfiedRange } from './byte-range.js';
import { packPrefix } from './pack-prefix.js';

/**
 * Streams one stored object as the response body, never holding it in memory. A GET with one byte range
 * (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`) gets 206 and only those bytes, read from the store as a
 * range, so an interrupted download of a large reel resumes where it stopped; a range that starts past the
 * end gets a 416 problem with `Content-Range: bytes *\/size`. A HEAD answers the headers of the full GET
 * without reading the object.
 */
export async function sendObject(
  reply: FastifyReply,
  store: ObjectStore,
  key: string,
  opts: { contentType: string; downloadName?: string; missing: string },
): Promise<FastifyReply> {
  const head = await store.head(key);
  if (!head) throw new NotFoundError(opts.missing);
  const { size } = head;
  const request = reply.request;
  reply.header('accept-ranges', 'bytes');
  if (opts.downloadName) reply.header('content-disposition', attachment(opts.downloadName));

  // RFC 9110 §14.2: range handling is defined for GET only.
  const range = request.method === 'GET' ? byteRange(request.headers.range, size, { ifRange: request.headers['if-range'] !== undefined }) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', unsatisfiedRange(size));
    const asked = (request.headers.range ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
    return sendProblem(reply, 416, `range "${asked}" is not satisfiable: the file has ${size} bytes`);
  }
  reply.header('content-type', opts.contentType);
  if (range.kind === 'partial') {
    reply
      .code(206)
      .header('content-range', contentRange(range.start, range.end, size))
      .header('content-length', range.end - range.start + 1);
    return reply.send(await store.get(key, { start: range.start, end: range.end }));
  }
  reply.header('content-length', size);
  // fastify's HEAD route reads a stream body to its end and drops it: an empty one keeps a HEAD from reading the file.
  if (request.method === 'HEAD') return reply.send(Readable.from([]));
  return reply.send(await store.get(key));
}

export function attachment(fileName: string): string {
  return `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`;
}

/**
 * Every object under `prefix` as one tar download (chunked: the length is not known up front, so no ranges:
 * `Accept-Ranges: none`, and a Range header is answered with the whole tar).
 */
export function sendPrefixAsTar(reply: FastifyReply, store: ObjectStore, prefix: string, downloadName: string): FastifyReply {
  reply.header('content-type', 'application/x-tar').header('content-disposition', attachment(downloadName)).header('accept-ranges', 'none');
  if (reply.request.method === 'HEAD') return reply.send(Readable.from([]));
  return reply.send(packPrefix(store, prefix, reply.log));
}
