import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// s3rver ships no type declarations; this is the part of its API used here.
interface S3rverOptions {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}
interface S3rverInstance {
  middleware: KoaMiddleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  type: string;
  body: unknown;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance;

export interface TestS3 {
  /** A STORAGE_URL for createObjectStore. */
  url: string;
  /** http://127.0.0.1:port */
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/**
 * A private s3rver (an S3 imitation backed by a temp folder) on a free port, with one bucket.
 * s3rver accepts the access key S3RVER / S3RVER; they are put into the environment when no
 * credentials are set, so the SDK's default chain finds them.
 */
export async function startS3rver(options: { bucket?: string; otherBuckets?: string[] } = {}): Promise<TestS3> {
  const bucket = options.bucket ?? 'reels-test';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  const directory = await mkdtemp(join(tmpdir(), 'rr-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [bucket, ...(options.otherBuckets ?? [])].map((name) => ({ name })) });
  server.middleware.unshift(multipartGaps(directory));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const url = `s3://${bucket}?${new URLSearchParams({ endpoint, region: 'us-east-1' })}`;
  return {
    url,
    endpoint,
    bucket,
    async stop() {
      // Clients keep sockets alive; without this close() waits for them to time out.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * What s3rver lacks of S3's multipart API and tus's S3 store needs: ListParts (GET ?uploadId) and
 * AbortMultipartUpload (DELETE ?uploadId), answered from the parts s3rver keeps on disk
 * (<dir>/<bucket>/._S3rver_uploads/<uploadId>/<n>, with <n>.md5 beside each).
 */
function multipartGaps(directory: string): KoaMiddleware {
  return async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!uploadId || !match || ctx.query.partNumber !== undefined || !/^[0-9a-f]+$/.test(uploadId) || (ctx.method !== 'GET' && ctx.method !== 'DELETE')) return next();
    const [, bucket, key] = match;
    const uploadDir = join(directory, bucket!, '._S3rver_uploads', uploadId);
    if (ctx.method === 'DELETE') {
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    const names = (await readdir(uploadDir).catch(() => null)) ?? null;
    if (names === null) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
      return;
    }
    const numbers = names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    const parts = await Promise.all(
      numbers.map(async (n) => {
        const [info, md5] = await Promise.all([stat(join(uploadDir, String(n))), readFile(join(uploadDir, `${n}.md5`), 'utf8')]);
        return `<Part><PartNumber>${n}</PartNumber><ETag>"${md5.trim()}"</ETag><Size>${info.size}</Size></Part>`;
      }),
    );
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><Bucket>${bucket}</Bucket><Key>${decodeURIComponent(key!)}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`;
  };
}
