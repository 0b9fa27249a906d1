/**
 * Retention as an operator relies on it: a reel past RECORD_RETENTION_DAYS leaves nothing behind, neither in
 * Redis (record, edit log, webhook attempts, listing, and every BullMQ job of every revision) nor in the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { expireReels } from '../packages/shared/src/reels/retention.js';
import { writePngSequence } from './support/clip-files.js';
import { startHookReceiver, startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

let stack: TestStack;
let work: string;
beforeAll(async () => {
  stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median' } });
  work = mkdtempSync(join(tmpdir(), 'rr-retention-'));
});
afterAll(async () => {
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

async function keysNaming(id: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await stack.deps.redis.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  // The tenant's index lists ids as members, not in key names.
  const listed = await stack.deps.reels.list('acme', { limit: 100 });
  if (listed.reels.some((r) => r.id === id)) found.push('(in the tenant index)');
  return found;
}

describe('retention', () => {
  it('forgets a reel past its record retention: nothing of it is left in Redis or the store', { timeout: 90_000 }, async () => {
    const hooks = await startHookReceiver();
    try {
      const clip = makeSyntheticClip({ width: 64, height: 48, frames: 12, channels: 1, bits: 8, seed: 4, shift: { x: 0.5, y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
      const names = await writePngSequence(join(work, 'seq'), clip.layout, clip.damaged);
      const client = stack.client('acme');
      const { id } = await client.submit(multipartBody({ callbackUrl: hooks.url }, { name: 'seq.tar', contentType: 'application/x-tar', body: tarOfFrames(join(work, 'seq'), names) }));
      expect((await stack.waitFor(client, id)).state).toBe('completed');
      // A review revision too, so its jobs and webhook must go as well.
      const edit = await fetch(`${stack.api.url}/v1/reels/${id}/edits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.keys.acme}`, 'content-type': 'application/json' },
        body: JSON.stringify({ edits: [{ type: 'revert-shot', shot: 0 }] }),
      });
      expect(edit.status).toBe(202);
      expect(await stack.waitFor(client, id)).toMatchObject({ state: 'completed', revision: 1 });
      // The revision's webhook follows its completion; on a loaded machine it took more than 5 s.
      for (let i = 0; i < 300 && hooks.received.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect(hooks.received).toHaveLength(2);
      expect(await keysNaming(id)).not.toEqual([]);

      const deps = { ...stack.deps, prefix: stack.config.QUEUE_PREFIX };
      // Within the retention nothing happens.
      expect(await expireReels(deps, { data: 0, records: 1 })).toEqual({ purged: 0, forgotten: 0 });
      expect(await expireReels(deps, { data: 0, records: 1 }, Date.now() + 2 * 86_400_000)).toEqual({ purged: 1, forgotten: 1 });

      expect(await keysNaming(id)).toEqual([]);
      const stored: string[] = [];
      for (const top of ['reels/', 'tenants/']) for await (const o of stack.deps.store.list(top)) stored.push(o.key);
      expect(stored.filter((k) => k.includes(id))).toEqual([]);
      expect((await fetch(`${stack.api.url}/v1/reels/${id}`, { headers: { authorization: `Bearer ${stack.keys.acme}` } })).status).toBe(404);
    } finally {
      await hooks.close();
    }
  });
});
