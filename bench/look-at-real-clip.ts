/**
 * The bench's real-clip figures for one clip folder, without the rest of the bench (about half a minute for
 * the 48-frame clip): share of pixels changed and temporal spikes before and after, with the service's
 * settings from the environment. A development tool; `npm run bench` reports the same figures of record.
 *   npx tsx bench/look-at-real-clip.ts ../shared/data/real-clips/within_our_gates
 */
import { lookAtRealClip } from './real-clips.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: npx tsx bench/look-at-real-clip.ts <clip folder>');
const r = await lookAtRealClip(dir);
const pct = (v: number) => `${(100 * v).toFixed(3)} %`;
console.log(`${dir}: ${r.frames} frames; pixels changed ${pct(r.pixels_changed_share)} (most in one frame ${pct(r.changed_share_max)}); spikes ${r.spikes_before} -> ${r.spikes_after} (reduction ${r.spike_reduction === null ? '-' : pct(r.spike_reduction)})`);
