/**
 * Fairness between tenants: a tenant's long reel queued first must not hold every worker. With
 * TENANT_MAX_RUNNING_CHUNKS=1 and two segment slots, another tenant's short reel submitted after it is
 * segmented while most of the long reel's chunks still wait (first-in-first-out would run it last).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, tarOfFrames } from '../packages/cli/src/upload-body.js';
import { writePngSequence } from './support/clip-files.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

let stack: TestStack;
let work: string;
beforeAll(async () => {
  stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median', CHUNK_FRAMES: '4', SEGMENT_CONCURRENCY: '2', TENANT_MAX_RUNNING_CHUNKS: '1' }, captureLogs: true });
  work = mkdtempSync(join(tmpdir(), 'rr-fair-'));
});
afterAll(async () => {
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

async function submit(tenant: 'acme' | 'beta', frames: number, seed: number): Promise<string> {
  const clip = makeSyntheticClip({ width: 64, height: 48, frames, channels: 1, bits: 8, seed, shift: { x: 0.4, y: 0.1 }, damage: { specksPerFrame: 2, minRadius: 2, maxRadius: 3 } });
  const dir = join(work, `${tenant}-${seed}`);
  const names = await writePngSequence(dir, clip.layout, clip.damaged);
  return (await stack.client(tenant).submit(multipartBody({}, { name: 'seq.tar', contentType: 'application/x-tar', body: tarOfFrames(dir, names) }))).id;
}

describe('fairness between tenants', () => {
  it("runs another tenant's chunk while one tenant's long reel is waiting, instead of after it", { timeout: 180_000 }, async () => {
    const long = await submit('acme', 48, 1);
    // The long reel's twelve chunks are queued before the short one exists.
    await expect.poll(async () => (await stack.deps.queues.segment.getJobCounts('waiting', 'active', 'delayed', 'completed')), { timeout: 30_000 }).toSatisfy(
      (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0) >= 12,
    );
    const short = await submit('beta', 4, 2);
    expect((await stack.waitFor(stack.client('beta'), short, undefined, 120_000)).state).toBe('completed');
    expect((await stack.waitFor(stack.client('acme'), long, undefined, 150_000)).state).toBe('completed');

    const jobs = await stack.deps.queues.segment.getJobs(['completed']);
    const started = (reel: string) => jobs.filter((j) => j.data.reelId === reel).map((j) => j.processedOn!);
    const shortStart = Math.min(...started(short));
    const longStarts = started(long);
    expect(longStarts).toHaveLength(12);
    // Most of the long reel's chunks started after the short reel's, though they were queued before it.
    expect(longStarts.filter((t) => t > shortStart).length).toBeGreaterThanOrEqual(6);
    // And never more than one of them at a time: each started after another one had finished. Read from the
    // workers' own 'job started' and 'job finished' lines, which fall inside the tenant's slot (BullMQ's
    // processedOn and finishedOn fall outside it, and chunks of this size take less than their gap).
    const at = (msg: string) =>
      new Map(stack.logs.filter((l) => l.msg === msg && l.queue === 'segment' && l.reelId === long).map((l) => [l.jobId as string, l.time as number]));
    const starts = at('job started');
    const ends = at('job finished');
    expect(starts.size).toBe(12);
    const spans = [...starts].map(([id, from]) => [from, ends.get(id) ?? Infinity] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});
