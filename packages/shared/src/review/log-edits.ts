import { BadInputError } from '../errors.js';
import type { ReelPlan } from '../frames/plan.js';
import type { Edit, EditLogEntry } from './edits.js';
import { clearRegion, paintStroke, regionAt } from './mask-edits.js';

/** Brush points in one request: enough for minutes of painting, small enough for one Redis call. */
const MAX_POINTS = 50_000;

/**
 * Checks a request's edits against the reel as it is (each against the masks the edits before it leave) and
 * makes their log entries, with what each covers. `masks` reads a frame's mask as the reel's outputs show it
 * (final) or as the detector made it.
 * A click that finds no repaired region, or a frame, shot or point outside the reel, is a 4xx: nothing is logged.
 */
export async function logEntries(
  edits: readonly Edit[],
  plan: Pick<ReelPlan, 'media' | 'shots'>,
  masks: (frame: number, which: 'final' | 'detected') => Promise<Uint8Array>,
  meta: { revision: number; by: string; at?: string },
): Promise<EditLogEntry[]> {
  const { width, height } = plan.media.layout;
  const frames = plan.media.frameCount;
  const points = edits.reduce((n, e) => n + (e.type === 'add' ? e.points.length : 0), 0);
  if (points > MAX_POINTS) throw new BadInputError(`the edits hold ${points} brush points; send at most ${MAX_POINTS} per request`, 413);
  const working = new Map<number, Uint8Array>();
  const accepted = new Set<number>();
  const maskOf = async (frame: number) => {
    let m = working.get(frame);
    if (!m) working.set(frame, (m = (await masks(frame, accepted.has(frame) ? 'detected' : 'final')).slice()));
    return m;
  };
  const at = meta.at ?? new Date().toISOString();
  const entries: EditLogEntry[] = [];
  for (const [i, edit] of edits.entries()) {
    const where = `edit ${i + 1} (${edit.type})`;
    const base = { revision: meta.revision, at, by: meta.by };
    if (edit.type === 'revert-shot' || edit.type === 'accept-shot') {
      const shot = plan.shots[edit.shot];
      if (!shot) throw new BadInputError(`${where}: the reel has shots 0 to ${plan.shots.length - 1}, not ${edit.shot}`, 422);
      // Later clicks in this request see the shot as this edit leaves it.
      for (let f = shot.start; f < shot.end; f++) {
        if (edit.type === 'revert-shot') working.set(f, new Uint8Array(width * height));
        else {
          working.delete(f);
          accepted.add(f);
        }
      }
      entries.push({ ...edit, ...base, frames: { start: shot.start, end: shot.end } });
      continue;
    }
    if (edit.frame >= frames) throw new BadInputError(`${where}: the reel has frames 0 to ${frames - 1}, not ${edit.frame}`, 422);
    const outside = (x: number, y: number) => x >= width || y >= height;
    if (edit.type === 'reject') {
      if (outside(edit.x, edit.y)) throw new BadInputError(`${where}: (${edit.x}, ${edit.y}) is outside the ${width}x${height} frame`, 422);
      const mask = await maskOf(edit.frame);
      const region = regionAt(mask, width, height, edit.x, edit.y);
      if (!region) throw new BadInputError(`${where}: frame ${edit.frame} has no repaired region at (${edit.x}, ${edit.y})`, 422);
      clearRegion(mask, region);
      entries.push({ ...edit, ...base, region: region.box, pixels: region.pixels.length });
    } else {
      const off = edit.points.find(([x, y]) => outside(x, y));
      if (off) throw new BadInputError(`${where}: (${off[0]}, ${off[1]}) is outside the ${width}x${height} frame`, 422);
      const { pixels, box } = paintStroke(await maskOf(edit.frame), width, height, edit.points, edit.radius);
      entries.push({ ...edit, ...base, pixels, ...(box ? { region: box } : {}) });
    }
  }
  return entries;
}
