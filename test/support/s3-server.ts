import { mkdtemp, rm } from 'node:fs/promises';
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
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
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
