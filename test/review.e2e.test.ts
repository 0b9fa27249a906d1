import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLayout, Samples } from '../packages/shared/src/frames/types.js';
import type { Edit, ReviewState } from '../packages/shared/src/review/edits.js';
import type { ReelPlan } from '../packages/shared/src/frames/plan.js';
import { decodeMaskPng, encodeMaskPng } from '../packages/shared/src/restore/mask-png.js';
import { regionAt } from '../packages/shared/src/review/mask-edits.js';
import { chunksFor } from '../packages/shared/src/review/replay-edits.js';
import { reportBody } from '../services/api/src/routes/reels/schemas.js';
import { downloadSequence, restoreSequence, type RestoredSequence } from './support/restore-sequence.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

/**
 * A restorer's review through the API, as the console drives it: reject a repair, add one by brush, revert and
 * accept a shot; each time only the edits' chunks are repainted and the outputs made again, and outside the final
 * mask every output sample equals the scan.
 */
let stack: TestStack;
let work: string;
let source: Samples[];
let layout: FrameLayout;
let first: RestoredSequence;
let truth: Uint8Array[];

beforeAll(async () => {
  // The classical detector and fill keep the repeated renders fast; the review path is the same for the models.
  stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median', CHUNK_FRAMES: '6' } });
  work = mkdtempSync(join(tmpdir(), 'rr-review-'));
  const clip = makeSyntheticClip({ width: 96, height: 64, channels: 1, bits: 8, frames: 12, grainSigma: 0.015, seed: 5, shift: { x: 0.6, y: 0.2 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  source = clip.damaged;
  truth = clip.masks;
  layout = { width: 96, height: 64, channels: 1, bits: 8 };
  first = await restoreSequence(stack, work, layout, source);
}, 120_000);
afterAll(async () => {
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

async function post(id: string, edits: Edit[], tenant: 'acme' | 'beta' = 'acme'): Promise<Response> {
  return fetch(`${stack.api.url}/v1/reels/${id}/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.keys[tenant]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ edits, author: 'test restorer' }),
  });
}

/** Sends edits, waits for the reel to be completed at the new revision, and downloads what it gives now. */
async function edit(edits: Edit[]): Promise<RestoredSequence> {
  const res = await post(first.id, edits);
  expect(res.status, await res.clone().text()).toBe(202);
  const { revision } = (await res.json()) as { revision: number };
  const reel = await stack.waitFor(stack.client('acme'), first.id);
  expect(reel.error).toBeUndefined();
  expect(reel).toMatchObject({ state: 'completed', revision });
  return downloadSequence(stack, work, first.id, first.names);
}

/** A frame and a point with no repair near it. */
function clearSpot(): [number, number, number] {
  for (const [f, mask] of first.masks.entries()) {
    for (let y = 0; y < layout.height; y += 4) for (let x = 0; x < layout.width; x += 4) if (!regionAt(mask, layout.width, layout.height, x, y)) return [f, x, y];
  }
  throw new Error('every point of every frame is near a repair');
}

const set = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0);

/** The invariant, on every frame: outside the final mask the output is the scan. */
function expectScanOutsideMask(out: RestoredSequence): void {
  out.restored.forEach((frame, f) => {
    const mask = out.masks[f]!;
    let differ = 0;
    for (let i = 0; i < mask.length; i++) if (!mask[i] && frame[i] !== source[f]![i]) differ++;
    expect(differ, `frame ${f}`).toBe(0);
  });
}

describe('known damage for the console', () => {
  const put = (n: number, body: Buffer, tenant: 'acme' | 'beta' = 'acme') =>
    fetch(`${stack.api.url}/v1/reels/${first.id}/truth/${n}`, { method: 'PUT', headers: { authorization: `Bearer ${stack.keys[tenant]}`, 'content-type': 'image/png' }, body });

  it('takes a true-damage mask per frame, serves it back, and says the reel has them', async () => {
    const png = (mask: Uint8Array, w = layout.width, h = layout.height) => encodeMaskPng(mask, w, h);
    expect((await put(0, await png(truth[0]!), 'beta')).status).toBe(404);
    const wrong = await put(0, await png(new Uint8Array(10 * 10), 10, 10));
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { detail: string }).detail).toContain('10x10; frames are 96x64');
    expect((await put(0, Buffer.from('not a png'))).status).toBe(422);
    expect((await put(12, await png(truth[0]!))).status).toBe(422);
    for (const [n, mask] of truth.entries()) expect((await put(n, await png(mask))).status).toBe(204);
    expect(await stack.client('acme').status(first.id)).toMatchObject({ truth: true });
    const res = await fetch(`${stack.api.url}/v1/reels/${first.id}/frames/3?variant=truth`, { headers: { authorization: `Bearer ${stack.keys.acme}` } });
    expect((await decodeMaskPng(Buffer.from(await res.arrayBuffer()))).mask).toEqual(truth[3]!.map((v) => (v ? 255 : 0)));
  });
});

describe('review edits', () => {
  it('refuses what it cannot do, in words, and hides other tenants\' reels', async () => {
    const frame = first.masks.findIndex((m) => set(m) > 0);
    expect(await post(first.id, [{ type: 'reject', frame, x: 0, y: 0 }], 'beta').then((r) => r.status)).toBe(404);
    // A click more than 6 px from any repair.
    const [emptyFrame, ex, ey] = clearSpot();
    const empty = await post(first.id, [{ type: 'reject', frame: emptyFrame, x: ex, y: ey }]);
    expect(empty.status).toBe(422);
    expect(((await empty.json()) as { detail: string }).detail).toContain(`no repaired region at (${ex}, ${ey})`);
    const beyond = await post(first.id, [{ type: 'add', frame: 12, points: [[1, 1]], radius: 2 }]);
    expect(beyond.status).toBe(422);
    expect(((await beyond.json()) as { detail: string }).detail).toMatch(/frames 0 to 11, not 12/);
    expect((await post(first.id, [{ type: 'add', frame: 0, points: [[96, 1]], radius: 2 }])).status).toBe(422);
    expect((await post(first.id, [{ type: 'revert-shot', shot: 5 }])).status).toBe(422);
    expect((await post(first.id, [])).status).toBe(400);
    // Nothing was logged by the refused requests.
    const log = (await (await fetch(`${stack.api.url}/v1/reels/${first.id}/edits`, { headers: { authorization: `Bearer ${stack.keys.acme}` } })).json()) as ReviewState;
    expect(log).toEqual({ revision: 0, edits: [] });
  });

  it('a rejected repair gets the scan back, and the rest of the frame keeps its repairs', { timeout: 60_000 }, async () => {
    const frame = first.masks.findIndex((m) => set(m) > 0);
    const mask = first.masks[frame]!;
    const at = mask.findIndex((v) => v > 0);
    const region = regionAt(mask, layout.width, layout.height, at % layout.width, Math.floor(at / layout.width))!;
    const others = set(mask) - region.pixels.length;

    const res = await post(first.id, [{ type: 'reject', frame, x: at % layout.width, y: Math.floor(at / layout.width) }]);
    expect(res.status).toBe(202);
    // While it renders, a second edit waits its turn: 409, with the state.
    const busy = await post(first.id, [{ type: 'revert-shot', shot: 0 }]);
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { state: string }).state).not.toBe('completed');
    await stack.waitFor(stack.client('acme'), first.id);
    const out = await downloadSequence(stack, work, first.id, first.names);
    // Only the chunks that hold the frame or read it as a neighbour were repainted.
    const repainted = (await stack.deps.queues.inpaint.getJobs(['completed'])).filter((j) => j.id?.endsWith('-v1')).map((j) => j.data.chunk);
    const plan = JSON.parse((await stack.deps.store.getBuffer(`reels/${first.id}/plan.json`)).toString()) as ReelPlan;
    expect(repainted.sort()).toEqual(chunksFor([frame], plan.chunks, stack.config.CONTEXT_FRAMES).map((c) => c.chunk));
    expect(repainted.length).toBeLessThan(plan.chunks.length);

    for (const p of region.pixels) {
      expect(out.masks[frame]![p]).toBe(0);
      expect(out.restored[frame]![p]).toBe(source[frame]![p]);
    }
    expect(set(out.masks[frame]!)).toBe(others);
    expect(region.pixels.some((p) => first.restored[frame]![p] !== source[frame]![p])).toBe(true);
    expectScanOutsideMask(out);
  });

  it('a brush stroke is repainted by the inpainter, and logged with who, when and where', { timeout: 60_000 }, async () => {
    const frame = 4;
    const out = await edit([{ type: 'add', frame, points: [[40, 30], [52, 30]], radius: 3 }]);
    let covered = 0;
    let changed = 0;
    for (let y = 27; y <= 33; y++) {
      for (let x = 37; x <= 55; x++) {
        const i = y * layout.width + x;
        if (Math.hypot(x - Math.min(52, Math.max(40, x)), y - 30) > 3) continue;
        covered++;
        expect(out.masks[frame]![i]).toBe(255);
        if (out.restored[frame]![i] !== source[frame]![i]) changed++;
      }
    }
    // The camera moves under the stroke, so its fill comes from shifted neighbours: most samples change.
    expect(changed).toBeGreaterThan(covered / 2);
    expectScanOutsideMask(out);

    const log = (await (await fetch(`${stack.api.url}/v1/reels/${first.id}/edits`, { headers: { authorization: `Bearer ${stack.keys.acme}` } })).json()) as ReviewState;
    expect(log.revision).toBe(2);
    expect(log.edits.map((e) => [e.revision, e.type, e.by])).toEqual([
      [1, 'reject', 'test restorer'],
      [2, 'add', 'test restorer'],
    ]);
    expect(log.edits[1]).toMatchObject({ frame, region: { x: 37, y: 27, w: 19, h: 7 } });
    expect(Date.parse(log.edits[1]!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('reverting a shot gives back the scan there; accepting it brings the detector\'s repairs back; report.json keeps the log', { timeout: 90_000 }, async () => {
    const reel = await stack.client('acme').status(first.id);
    const shot = reel.shots[0]!;
    const reverted = await edit([{ type: 'revert-shot', shot: 0 }]);
    for (let f = shot.start; f < shot.end; f++) {
      expect(set(reverted.masks[f]!)).toBe(0);
      expect(reverted.restored[f]).toEqual(source[f]);
    }
    const accepted = await edit([{ type: 'accept-shot', shot: 0 }]);
    for (let f = shot.start; f < shot.end; f++) expect(accepted.masks[f]).toEqual(first.masks[f]);
    expectScanOutsideMask(accepted);

    const report = JSON.parse(await (await fetch(`${stack.api.url}/v1/reels/${first.id}/report`, { headers: { authorization: `Bearer ${stack.keys.acme}` } })).text()) as { review: ReviewState };
    expect(report.review.revision).toBe(4);
    expect(report.review.edits.map((e) => e.type)).toEqual(['reject', 'add', 'revert-shot', 'accept-shot']);
    // The API's document describes report.json with its edit log as it is.
    expect(reportBody.parse(report)).toEqual(report);
    expect(await stack.unfinishedJobs()).toBe(0);
  });
});
