import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { writeFfv1Video, writePngSequence } from './support/clip-files.js';
import { probeVideo } from '../packages/shared/src/frames/probe-media.js';
import { createObjectStore } from '../packages/shared/src/storage/create-store.js';
import type { ObjectStore } from '../packages/shared/src/storage/storage.js';
import { startS3rver } from './support/s3-server.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

let s3: Awaited<ReturnType<typeof startS3rver>>;
let stack: TestStack;
let work: string;

/** An archive's own bucket, registered for tenant acme as the external source "vault" (SOURCES). */
let archiveUrl: string;

beforeAll(async () => {
  s3 = await startS3rver({ otherBuckets: ['archive-vault'] });
  archiveUrl = `s3://archive-vault?${new URLSearchParams({ endpoint: s3.endpoint, region: 'us-east-1', prefix: 'scans/' })}`;
  stack = await startTestStack({
    storageUrl: s3.url,
    env: {
      SOURCES: JSON.stringify([{ name: 'vault', tenant: 'acme', url: archiveUrl, credentials: 'VAULT' }]),
      VAULT_ACCESS_KEY_ID: 'S3RVER',
      VAULT_SECRET_ACCESS_KEY: 'S3RVER',
    },
  });
  work = mkdtempSync(join(tmpdir(), 'rr-e2e-s3-'));
});
afterAll(async () => {
  await stack?.close();
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

describe('the same pipeline on S3-compatible storage', () => {
  it('restores an image sequence stored in S3 and serves results through presigned URLs', async () => {
    const clip = makeSyntheticClip({ width: 80, height: 48, frames: 10, channels: 1, bits: 16, seed: 3, shift: { x: 0.5, y: 0 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
    const dir = join(work, 'frames');
    const names = await writePngSequence(dir, clip.layout, clip.damaged);
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({}, { name: 'frames.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }));
    const reel = await stack.waitFor(client, id);
    expect(reel.error).toBeUndefined();
    expect(reel.state).toBe('completed');
    expect(reel.damagedPixels).toBeGreaterThan(0);

    const report = join(work, 'report.json');
    await client.download(`/v1/reels/${id}/report`, report);
    expect(JSON.parse(await readFile(report, 'utf8'))).toMatchObject({ reelId: id, frames: 10 });

    // Every object the reel owns is in the bucket under reels/<id>/.
    const keys: string[] = [];
    for await (const o of stack.deps.store.list(`reels/${id}/`)) keys.push(o.key);
    expect(keys).toContain(`reels/${id}/plan.json`);
    expect(keys.filter((k) => k.startsWith(`reels/${id}/masks/`))).toHaveLength(10);
    expect(keys.filter((k) => k.startsWith(`reels/${id}/output/frames/`))).toHaveLength(10);
  });

  it("restores frames read in place from an archive's own bucket, writing nothing there, and keeps other tenants out", async () => {
    const clip = makeSyntheticClip({ width: 64, height: 48, frames: 8, channels: 1, bits: 8, seed: 6, shift: { x: 0.4, y: 0 }, damage: { specksPerFrame: 2 } });
    const dir = join(work, 'vault-frames');
    const names = await writePngSequence(dir, clip.layout, clip.damaged);
    const archive = createObjectStore(archiveUrl);
    for (const name of names) await archive.put(`reel7/${name}`, await readFile(join(dir, name)));
    const before = await listKeys(archive, 'reel7/');

    const submit = (key: string) =>
      fetch(`${stack.api.url}/v1/reels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: { external: 'vault', prefix: 'reel7/' } }),
      });
    expect((await submit(stack.keys.beta)).status).toBe(404);
    const res = await submit(stack.keys.acme);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const client = stack.client('acme');
    const reel = await stack.waitFor(client, id);
    expect(reel.error).toBeUndefined();
    expect(reel.state).toBe('completed');
    expect(reel.source).toMatchObject({ type: 'sequence', prefix: 'reel7/', frames: 8, external: 'vault' });
    expect((await listKeys(stack.deps.store, `reels/${id}/output/frames/`)).length).toBe(8);
    // Nothing was written to the archive's bucket, and purging the reel leaves it alone.
    expect(await listKeys(archive, 'reel7/')).toEqual(before);
    const purge = await fetch(`${stack.api.url}/v1/reels/${id}?purge=true`, { method: 'DELETE', headers: { authorization: `Bearer ${stack.keys.acme}` } });
    expect(purge.status).toBe(200);
    expect(await listKeys(archive, 'reel7/')).toEqual(before);
    expect(await listKeys(stack.deps.store, `reels/${id}/`)).toEqual([]);
  });

  it('redirects a restored video to a presigned URL that the client follows without its key', async () => {
    const clip = makeSyntheticClip({ width: 64, height: 48, frames: 8, channels: 1, bits: 8, seed: 4, damage: { specksPerFrame: 2 } });
    const src = join(work, 'clip.mkv');
    await writeFfv1Video(src, clip.layout, clip.damaged);
    const client = stack.client('acme');
    const { id } = await client.submit(multipartBody({}, { name: 'clip.mkv', contentType: 'video/x-matroska', body: createReadStream(src) }));
    const reel = await stack.waitFor(client, id);
    expect(reel.state).toBe('completed');

    const res = await fetch(`${stack.api.url}/v1/reels/${id}/output`, { headers: { authorization: `Bearer ${stack.keys.acme}` }, redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') ?? '';
    expect(location.startsWith(s3.endpoint)).toBe(true);

    const out = join(work, 'restored.mkv');
    await client.download(`/v1/reels/${id}/output`, out);
    const media = await probeVideo(out);
    expect(media).toMatchObject({ codec: 'ffv1', frameCount: 8 });
  });
});

