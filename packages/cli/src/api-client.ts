import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ReelRecord } from '@reelrestore/shared/reels/reel-record';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A thin client of the reelrestore REST API, used by the CLI in both local and remote mode. */
/** How often a GET answered 503 or 429 is asked again before the error reaches the caller. */
const GET_RETRIES = 6;

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private url(path: string) {
    return new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : this.baseUrl + '/').toString();
  }

  private async request(path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
    const send = () =>
      fetch(this.url(path.replace(/^\//, '')), {
        ...init,
        headers: { authorization: `Bearer ${this.apiKey}`, ...(init.headers as Record<string, string>) },
      });
    let res = await send();
    // A GET the service could not answer for now (its Redis restarting, overload, the rate limit) is asked
    // again after the Retry-After it gives, a few times: reading a reel's state must outlast a blip.
    for (let attempt = 1; (res.status === 503 || res.status === 429) && (init.method ?? 'GET') === 'GET' && attempt <= GET_RETRIES; attempt++) {
      await res.body?.cancel().catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.min(30, Number(res.headers.get('retry-after')) || 1) * 1000));
      res = await send();
    }
    if (!res.ok && res.status !== 302) {
      const text = await res.text().catch(() => '');
      let message = text;
      try {
        message = (JSON.parse(text) as { detail?: string }).detail ?? text;
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, `${init.method ?? 'GET'} ${path}: ${res.status} ${message}`);
    }
    return res;
  }

  async submit(upload: { contentType: string; body: Readable }, idempotencyKey?: string): Promise<{ id: string }> {
    const res = await this.request('/v1/reels', {
      method: 'POST',
      headers: { 'content-type': upload.contentType, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: Readable.toWeb(upload.body) as unknown as RequestInit['body'],
      duplex: 'half',
    });
    return (await res.json()) as { id: string };
  }

  /** A reel from a finished resumable upload (resumable-upload.ts). */
  async submitUpload(uploadId: string, options: { chunkFrames?: number; outputFormat?: string }): Promise<{ id: string }> {
    const res = await this.request('/v1/reels', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: { upload: uploadId }, ...(Object.keys(options).length ? { options } : {}) }),
    });
    return (await res.json()) as { id: string };
  }

  async status(id: string): Promise<ReelRecord> {
    return (await (await this.request(`/v1/reels/${id}`)).json()) as ReelRecord;
  }

  async cancel(id: string): Promise<{ id: string; state: string }> {
    return (await (await this.request(`/v1/reels/${id}`, { method: 'DELETE' })).json()) as { id: string; state: string };
  }

  /** Streams a result to a file; follows a presigned-URL redirect (S3) without sending our key along. */
  async download(path: string, outFile: string): Promise<void> {
    let res = await this.request(path, { redirect: 'manual' });
    if (res.status === 302) {
      const location = res.headers.get('location');
      if (!location) throw new ApiError(502, `${path}: redirect without a location`);
      res = await fetch(location);
      if (!res.ok) throw new ApiError(res.status, `download of ${path} failed: ${res.status}`);
    }
    await mkdir(dirname(outFile), { recursive: true });
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(outFile));
  }

  async stream(path: string): Promise<Readable> {
    const res = await this.request(path);
    return Readable.fromWeb(res.body as WebReadableStream);
  }
}
