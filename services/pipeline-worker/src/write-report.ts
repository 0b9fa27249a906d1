import type { ReelPlan } from '@reelrestore/shared/frames/plan';
import type { ReelStore } from '@reelrestore/shared/reels/reel-store';

/** report.json: what a restorer checks first — per shot, how much was found and repainted, and what it cost. */
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
  return {
    reelId,
    source: { ...plan.media, sequence: plan.media.sequence ? { format: plan.media.sequence.format, frames: plan.media.sequence.files.length } : undefined },
    options: plan.options,
    frames: plan.media.frameCount,
    damagedPixels: rec?.damagedPixels ?? 0,
    damagedShare: (rec?.damagedPixels ?? 0) / totalPixels,
    ms: { ...rec?.timings, stitch: stitchMs },
    shots,
  };
}
