import { isTerminal, type ReelRecord, type ReelState } from '../reels/reel-record.js';
import type { ReelStore } from '../reels/reel-store.js';

/** One stage of the frame work: frames done of the total, and that as a whole percentage. */
export interface StageProgress {
  frames: number;
  percent: number;
}

export interface ShotStageProgress {
  index: number;
  /** Frames [start, end) of the reel. */
  start: number;
  end: number;
  segment: StageProgress;
  inpaint: StageProgress;
}

/** What a `progress` server-sent event and a `reel.progress` webhook carry. */
export interface ReelProgress {
  id: string;
  state: ReelState;
  /** The whole reel, as the status endpoint's `progress.percent` (stitching is the last 5 %). */
  percent: number;
  framesTotal: number;
  segment: StageProgress;
  inpaint: StageProgress;
  shots: ShotStageProgress[];
  /** Seconds left of the segment and inpaint work at the rate seen since it began; null before the first chunk is done, while stitching and once failed or cancelled. */
  etaSeconds: number | null;
  /** While queued: the reel's place among waiting probe jobs (1 = next); otherwise null. */
  queuePosition: number | null;
}

const stage = (frames: number, total: number): StageProgress => ({
  frames,
  percent: total > 0 ? Math.min(100, Math.floor((frames / total) * 100)) : 0,
});

/**
 * Segment and inpaint each go over every frame once: the ETA is the frames of work left at the rate since
 * `workStartedAt` (both stages run side by side, so their frames are counted together).
 */
export function etaSeconds(rec: ReelRecord, workStartedAt: number | null, now: number): number | null {
  if (rec.state === 'completed') return 0;
  if (isTerminal(rec.state) || workStartedAt === null) return null;
  const total = 2 * rec.progress.framesTotal;
  const done = Math.min(total, rec.progress.segmented + rec.progress.inpainted);
  const elapsed = now - workStartedAt;
  if (done <= 0 || done >= total || elapsed <= 0) return null;
  return Math.ceil(((total - done) * elapsed) / done / 1000);
}

export function buildReelProgress(
  rec: ReelRecord,
  opts: { workStartedAt: number | null; now?: number; queuePosition?: number | null },
): ReelProgress {
  const { framesTotal, segmented, inpainted, percent } = rec.progress;
  return {
    id: rec.id,
    state: rec.state,
    percent,
    framesTotal,
    segment: stage(segmented, framesTotal),
    inpaint: stage(inpainted, framesTotal),
    shots: rec.shots.map((s) => ({
      index: s.index,
      start: s.start,
      end: s.end,
      segment: stage(s.segmented, s.end - s.start),
      inpaint: stage(s.inpainted, s.end - s.start),
    })),
    etaSeconds: etaSeconds(rec, opts.workStartedAt, opts.now ?? Date.now()),
    queuePosition: rec.state === 'queued' ? (opts.queuePosition ?? null) : null,
  };
}

/** Reads the reel and its progress; null when there is no such reel. */
export async function readReelProgress(
  reels: ReelStore,
  id: string,
  opts: { now?: number; queuePosition?: number | null } = {},
): Promise<{ reel: ReelRecord; progress: ReelProgress } | null> {
  const [reel, workStartedAt] = await Promise.all([reels.get(id), reels.getWorkStartedAt(id)]);
  return reel ? { reel, progress: buildReelProgress(reel, { ...opts, workStartedAt }) } : null;
}
