import type { ReelPlan } from '@reelrestore/shared/frames/plan';
import type { OutputFile } from '@reelrestore/shared/reels/reel-record';
import type { ReelStore } from '@reelrestore/shared/reels/reel-store';
import { reelKeys } from '@reelrestore/shared/storage/keys';
import type { ObjectStore } from '@reelrestore/shared/storage/storage';
import { storedFile } from './output-manifest.js';

/** Stores report.json; the manifest entry carries the size and SHA-256 the store computed while writing it. */
export async function writeReport(store: ObjectStore, reels: ReelStore, reelId: string, plan: ReelPlan, stitchMs: number): Promise<OutputFile> {
  const key = reelKeys(reelId).report;
  const report = await buildReport(reels, reelId, plan, stitchMs);
  const put = await store.put(key, Buffer.from(JSON.stringify(report, null, 2)), { contentType: 'application/json' });
  return storedFile('report', 'report.json', key, put, 'application/json');
}

/** report.json: what a restorer checks first — per shot, how much was found and repainted, what it cost, and the review's edit log. */
export async function buildReport(reels: ReelStore, reelId: string, plan: ReelPlan, stitchMs: number) {
  const rec = await reels.get(reelId);
  const { width, height } = plan.media.layout;
  const shots = await Promise.all(
    plan.shots.map(async (s) => {
      const stats = await reels.shotStats(reelId, s.index);
      const frames = s.end - s.start;
      return {
        shot: s.index,
        frames: { start: s.start, end: s.end, count: frames },
        damagedPixels: stats.damagedPixels,
        damagedShare: stats.damagedPixels / (frames * width * height),
        ms: { segment: stats.segmentMs, inpaint: stats.inpaintMs },
      };
    }),
  );
  const totalPixels = plan.media.frameCount * width * height;
  const review = await reels.review(reelId);
  return {
    reelId,
    source: { ...plan.media, sequence: plan.media.sequence ? { format: plan.media.sequence.format, frames: plan.media.sequence.files.length } : undefined },
    options: plan.options,
    frames: plan.media.frameCount,
    damagedPixels: rec?.damagedPixels ?? 0,
    damagedShare: (rec?.damagedPixels ?? 0) / totalPixels,
    ms: { ...rec?.timings, stitch: stitchMs },
    shots,
    // What the source should hold against what was decoded from it (a sequence's numbering gaps show here too).
    ...(rec?.expectedFrames !== undefined ? { expectedFrames: rec.expectedFrames, decodedFrames: rec.decodedFrames } : {}),
    ...(rec?.warnings ? { warnings: rec.warnings } : {}),
    // A restorer's edits, oldest first: who rejected or added which repair, on which frame, and when.
    ...(review.revision ? { review: { revision: review.revision, edits: review.edits } } : {}),
  };
}
