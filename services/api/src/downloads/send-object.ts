import type { FastifyReply } from 'fastify';
import { NotFoundError } from '@reelrestore/shared/errors';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { packPrefix } from './pack-prefix.js';

/** Streams one stored object as the response body, never holding it in memory. */
export async function sendObject(
  reply: FastifyReply,
  store: ObjectStore,
  key: string,
  opts: { contentType: string; downloadName?: string; missing: string },
): Promise<FastifyReply> {
  const head = await store.head(key);
  if (!head) throw new NotFoundError(opts.missing);
  const body = await store.get(key);
  reply.header('content-type', opts.contentType).header('content-length', head.size);
  if (opts.downloadName) reply.header('content-disposition', attachment(opts.downloadName));
  return reply.send(body);
}

export function attachment(fileName: string): string {
  return `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`;
}

/** Every object under `prefix` as one tar download (chunked: the length is not known up front). */
export function sendPrefixAsTar(reply: FastifyReply, store: ObjectStore, prefix: string, downloadName: string): FastifyReply {
  reply.header('content-type', 'application/x-tar').header('content-disposition', attachment(downloadName));
  return reply.send(packPrefix(store, prefix, reply.log));
}
