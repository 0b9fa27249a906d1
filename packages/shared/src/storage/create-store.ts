import { fileURLToPath } from 'node:url';
import { resolveStorageUrl } from '../config.js';
import { ConfigError, errorMessage } from '../errors.js';
import { LocalStore } from './local-store.js';
import { S3Store, bucketNameProblem } from './s3-store.js';
import type { ObjectStore } from './storage.js';

const S3_PARAMS = new Set(['endpoint', 'region', 'prefix']);

/**
 * The store named by STORAGE_URL:
 * - `file:./data/store`, `file:///abs/path` (or a bare path) -> a local folder;
 * - `s3://bucket?endpoint=http://host:9000&region=eu-west-1&prefix=some/prefix` -> S3 or an
 *   S3-compatible server. Credentials come from the usual AWS environment variables / profiles,
 *   never from the URL, so the URL can be logged.
 */
export function createObjectStore(url: string, credentials?: { accessKeyId: string; secretAccessKey: string }): ObjectStore {
  const resolved = resolveStorageUrl(url.trim());
  if (resolved.startsWith('file://')) return new LocalStore(localPath(resolved));
  if (resolved.startsWith('s3://')) return s3Store(resolved, credentials);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(resolved)?.[1] ?? '';
  throw new ConfigError(`STORAGE_URL: scheme "${scheme}:" is not supported; use file:./path, file:///abs/path or s3://bucket?endpoint=…`);
}

function localPath(fileUrl: string): string {
  try {
    return fileURLToPath(fileUrl);
  } catch (err) {
    throw new ConfigError(`STORAGE_URL: "${fileUrl}" is not a usable file URL: ${errorMessage(err)}`);
  }
}

function s3Store(raw: string, credentials?: { accessKeyId: string; secretAccessKey: string }): S3Store {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError('STORAGE_URL: not a valid s3:// URL; expected s3://bucket?endpoint=…&region=…');
  }
  if (u.username || u.password) {
    throw new ConfigError('STORAGE_URL: credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  const bucket = u.hostname;
  if (!bucket) throw new ConfigError('STORAGE_URL: the s3:// URL names no bucket (s3://bucket?…)');
  const problem = bucketNameProblem(bucket);
  if (problem) throw new ConfigError(`STORAGE_URL: ${problem}`);
  if (u.port) throw new ConfigError('STORAGE_URL: put the server address in ?endpoint=http://host:port, not after the bucket');
  if (u.pathname && u.pathname !== '/') {
    throw new ConfigError(`STORAGE_URL: the s3:// URL has a path "${u.pathname}"; put a key prefix in ?prefix=`);
  }
  for (const name of u.searchParams.keys()) {
    if (!S3_PARAMS.has(name)) throw new ConfigError(`STORAGE_URL: unknown parameter "${name}" (known: ${[...S3_PARAMS].join(', ')})`);
  }

  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    throw new ConfigError(`STORAGE_URL: endpoint "${endpoint}" must look like http://host:port or https://host`);
  }
  const region = u.searchParams.get('region') || undefined;
  if (region !== undefined && !/^[a-z0-9-]+$/.test(region)) throw new ConfigError(`STORAGE_URL: region "${region}" is not a region name`);
  const prefix = u.searchParams.get('prefix') || undefined;

  try {
    return new S3Store({ bucket, endpoint, region, prefix, ...(credentials ? { credentials } : {}) });
  } catch (err) {
    throw new ConfigError(`STORAGE_URL: ${errorMessage(err)}`, { cause: err });
  }
}

function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
  } catch {
    return false;
  }
}
