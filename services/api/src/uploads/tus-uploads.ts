import { randomBytes } from 'node:crypto';
import { FileStore } from '@tus/file-store';
import { S3Store as TusS3Store } from '@tus/s3-store';
import { IoRedisKvStore, Server, type DataStore } from '@tus/server';
import type { Redis } from 'ioredis';
import { BadInputError, NotFoundError } from '@reelrestore/shared/errors';
import { tenantKeys } from '@reelrestore/shared/storage/keys';
import { LocalStore } from '@reelrestore/shared/storage/local-store';
import { S3Store } from '@reelrestore/shared/storage/s3-store';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';

/** Where the upload routes live; the upload's URL is this plus its id. */
export const UPLOADS_PATH = '/v1/uploads';

/**
 * The tenant a request was authenticated as, handed to the tus server by a header the API sets itself
 * (overwriting whatever a client sent): tus sees only the raw request.
 */
export const TENANT_HEADER = 'x-reelrestore-tenant';

/** Upload ids are 32 hex digits, made here: nothing a client names ever reaches a path or a key unchecked. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** S3 parts of tus uploads: 16 MiB, so a 200 GB reel stays well under S3's 10,000 parts. */
const S3_PART_BYTES = 16 * 1024 * 1024;

/** A finished upload (tus or direct): its key in the object store, its size and the client's file name. */
export interface FinishedUpload {
  key: string;
  size: number;
  fileName: string | null;
}

export interface TusUploads {
  server: Server;
  /** A tenant's finished tus upload; NotFoundError for none, 409 for one still incomplete. */
  finished(tenantId: string, uploadId: string): Promise<FinishedUpload>;
}

/**
 * Resumable uploads (the tus protocol, https://tus.io) straight into the object store: the local
 * folder through tus's file store, S3 through its multipart S3 store. Each upload lands at
 * tenants/<tenant>/uploads/<id> (tenantKeys), so it is the tenant's own like its staged sources, and
 * a finished upload is read like any stored object. A broken connection loses nothing: the client asks
 * for the offset (HEAD) and continues (PATCH).
 */
export function createTusUploads(opts: { store: ObjectStore; redis: Redis; redisPrefix: string; maxBytes: number; publicUrl: string | undefined }): TusUploads {
  const { datastore, storePrefix } = tusDatastore(opts.store, opts.redis, `${opts.redisPrefix}:tus:`);
  const tenantOf = (req: Request): string => {
    const tenant = req.headers.get(TENANT_HEADER);
    if (!tenant) throw new Error('the tus server was reached without an authenticated tenant');
    return tenant;
  };
  const keyOf = (tenantId: string, uploadId: string) => tenantKeys(tenantId).upload(uploadId);

  const server = new Server({
    path: UPLOADS_PATH,
    datastore,
    maxSize: opts.maxBytes,
    respectForwardedHeaders: false,
    namingFunction: (req) => storePrefix + keyOf(tenantOf(req), randomBytes(16).toString('hex')),
    // The URL names only the id; the tenant comes from the API key, so another tenant's id is simply not found.
    getFileIdFromRequest: (req, lastPath) => (lastPath && UPLOAD_ID.test(lastPath) ? storePrefix + keyOf(tenantOf(req), lastPath) : undefined),
    generateUrl: (_req, { proto, host, path, id }) => `${opts.publicUrl?.replace(/\/+$/, '') ?? `${proto}://${host}`}${path}/${id.split('/').at(-1)}`,
  });

  return {
    server,
    async finished(tenantId, uploadId) {
      if (!UPLOAD_ID.test(uploadId)) throw new NotFoundError(`upload "${uploadId.slice(0, 40)}" not found`);
      const key = keyOf(tenantId, uploadId);
      let upload;
      try {
        upload = await datastore.getUpload(storePrefix + key);
      } catch {
        throw new NotFoundError(`upload ${uploadId} not found`);
      }
      if (upload.size === undefined || upload.offset !== upload.size) {
        throw new BadInputError(`upload ${uploadId} has ${upload.offset} of ${upload.size ?? 'an undeclared number of'} bytes: finish it (HEAD, then PATCH from the offset) before making a reel of it`, 409);
      }
      return { key, size: upload.size, fileName: upload.metadata?.filename ?? null };
    },
  };
}

function tusDatastore(store: ObjectStore, redis: Redis, redisPrefix: string): { datastore: DataStore; storePrefix: string } {
  if (store instanceof LocalStore) return { datastore: new FileStore({ directory: store.root }), storePrefix: '' };
  if (store instanceof S3Store) {
    const datastore = new TusS3Store({
      partSize: S3_PART_BYTES,
      // The upload's state is shared by every API replica, so a resumed upload may reach any of them.
      cache: new IoRedisKvStore(redis, redisPrefix),
      s3ClientConfig: { ...store.clientConfig, bucket: store.bucket },
    });
    return { datastore, storePrefix: store.prefix };
  }
  throw new Error('resumable uploads need the local or the S3 store');
}
