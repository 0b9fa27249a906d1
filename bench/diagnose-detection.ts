/**
 * Where the learned detector loses recall and precision, stage by stage, on the bench's quick set: the
 * cascade's cells (can the network see the damage at all?), the network's regions before the temporal gate,
 * and after it (the service's mask, undilated). Per sequence and per damage class, so a change to one stage
 * can be judged on its own. A development tool; `npm run bench` stays the measure of record. Settings come
 * from the environment as the service reads them (UNET_THRESHOLD=…, SEGMENT_MODEL=<a candidate .onnx>).
 *   npx tsx bench/diagnose-detection.ts [--split unseen|train] [--seed 1] [--clean .cache/clean-images] [--only name-part] [--verbose: verdicts per sequence, missed damage per class] [--real <clip folder>: flagged pixels per verdict, no truth]
 *     [--size 480x360: the sequences' size; scans are 2K and up, where the cascade and the network see other scales]
 *     [--dump <dir> [--dump-verdict v]: PNG strips (the nearest other film frame before | t | after, 3x, region outlined) of kept regions (or of
 *     verdict v) that are mostly not damage; with --dump-missed, of dropped regions (verdict v) that are mostly damage;
 *     with --real, of every such region; --dump-min N: only regions of at least N px] [--lines: each line region's verdict, true share and mean probability]
 *     [--real <clip> --against <model.onnx>: what the two models' gated masks repaint differently on the clip, with
 *     --dump the largest regions only SEGMENT_MODEL repaints (a candidate's new repaints, to look at before shipping it)]
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { configSchema } from '@reelrestore/shared/config';
import { toLuma } from '@reelrestore/shared/restore/luma';
import { gateDamage, type GateResult } from '@reelrestore/shared/restore/temporal-gate';
import { regionsOf } from '@reelrestore/shared/restore/gate-regions';
import { alignWindow, framesPast, isRepeat, withFurtherWitness } from '@reelrestore/shared/restore/align-window';
import { damageProbability, defaultSegmentModelPath, maskFromProbability, networkHalvings, slotShifts, UNET_WINDOW, unetSettings, windowSources, type RunModel } from '@reelrestore/shared/restore/unet-segment';
import { damageVisibility } from '@reelrestore/shared/synthetic/film-sequence';
import { DEFAULT_VARIANTS, HARD_VARIANTS } from '@reelrestore/shared/synthetic/index';
import { modelRunner } from '@reelrestore/shared/workers/compute-tasks';
import { makeBenchSet } from './bench-set.js';
import { DEFAULT_MAX_FRAMES, readFolder } from './real-clips.js';
import { addConfusion, detectionScores, emptyConfusion, visibleTruth, type Confusion } from './metrics/detection.js';

const { values: a } = parseArgs({
  options: {
    split: { type: 'string', default: 'unseen' },
    seed: { type: 'string', default: '1' },
    clean: { type: 'string', default: '.cache/clean-images' },
    only: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    real: { type: 'string' },
    dump: { type: 'string' },
    'dump-verdict': { type: 'string' },
    'dump-missed': { type: 'boolean', default: false },
    'dump-min': { type: 'string', default: '0' },
    against: { type: 'string' },
    lines: { type: 'boolean', default: false },
    size: { type: 'string', default: '480x360' },
  },
});
const [setW, setH] = (a.size ?? '').split('x').map(Number);
if (!setW || !setH) throw new Error(`--size wants WxH, not ${a.size}`);
/** The frames either side of the centre in the network's window. */
const HALF = UNET_WINDOW >> 1;
const variants = [...DEFAULT_VARIANTS, ...HARD_VARIANTS];
const config = configSchema.parse(process.env);
const settings = unetSettings(config, setW);
// SEGMENT_MODEL picks a candidate model (e.g. a training run's export) without replacing the shipped one.
const run = await modelRunner(config.SEGMENT_MODEL ?? defaultSegmentModelPath());

const STAGES = ['cascade_cells', 'network', 'gated'] as const;
type StageName = (typeof STAGES)[number];
const total = Object.fromEntries(STAGES.map((s) => [s, emptyConfusion()])) as Record<StageName, Confusion>;
/** Per gate verdict: visible true pixels, false pixels within 2 px of true damage (halo), false pixels further out. */
const byVerdict = new Map<string, { tp: number; halo: number; far: number; regions: number }>();
let dumped = 0;
/** The verdict whose regions --dump shows: --dump-verdict, or by default what is repainted. */
const repainted = (v: string) => v === 'damage' || v === 'scratch';
const dumpedVerdict = (v: string) => (a['dump-verdict'] ? v === a['dump-verdict'] : repainted(v));
const classMiss = new Map<number, { pixels: number; found: Record<StageName, number> }>();
/** Where the visible damage the service's mask leaves out went: dropped by the gate (per verdict), next to a kept region, or never in the network's regions (by contrast). */
const missedBy = new Map<string, number>();

if (a.real) {
  const clip = await readFolder(a.real, DEFAULT_MAX_FRAMES);
  const { width: W, height: H } = clip.layout;
  const lumas = clip.frames.map((f) => toLuma(f, clip.layout));
  // The clip's own width sets the cascade's scale, as the service does.
  const clipSettings = unetSettings(config, W);
  const px = new Map<string, { regions: number; pixels: number }>();
  const gated = async (model: RunModel, t: number) => {
    const window = Array.from({ length: UNET_WINDOW }, (_, k) => lumas[t - HALF + k] ?? null);
    const alignment = alignWindow(window, W, H);
    const { prob } = await damageProbability(windowSources(window), W, H, model, clipSettings, alignment, undefined, slotShifts(alignment, window));
    return gateDamage(maskFromProbability(prob, W, H, { ...clipSettings, dilate: 0 }), withFurtherWitness(alignment, framesPast(lumas, t, HALF), HALF), { prob, probReduced: networkHalvings(clipSettings, W) > 0, explain: true });
  };
  if (a.against) {
    const other = await modelRunner(a.against);
    await compareOnClip(lumas, W, H, (t) => gated(run, t), (t) => gated(other, t));
    process.exit(0);
  }
  for (let t = 0; t < lumas.length; t++) {
    const gate = await gated(run, t);
    for (const r of gate.regions ?? []) {
      const e = px.get(r.verdict) ?? { regions: 0, pixels: 0 };
      e.regions++;
      e.pixels += r.pixels.length;
      px.set(r.verdict, e);
      // No truth here: strips of every region of the chosen verdict, for looking at.
      if (a.dump && dumpedVerdict(r.verdict) && dumped < 40) await dumpStrip(a.dump, `real-t${t}-${r.verdict}-${dumped++}`, lumas, t, r.pixels, W, H);
    }
  }
  console.log(`${a.real}: ${lumas.length} frames; share of all pixels flagged by the network, per gate verdict (undilated)`);
  for (const [v, e] of [...px.entries()].sort((x, y) => y[1].pixels - x[1].pixels)) {
    console.log(`  ${v.padEnd(12)} regions ${String(e.regions).padStart(5)}  ${((100 * e.pixels) / (W * H * lumas.length)).toFixed(3)} %`);
  }
  process.exit(0);
}

/** The squared luma error the missed visible damage leaves, by where it went: what masked_psnr and damage_left weigh. */
const sqBy = new Map<string, number>();
const byPlace = new Map<string, { network: Confusion; gated: Confusion }>();
const fmt = (v: number | null) => (v === null ? '  -  ' : v.toFixed(3));
console.log(`split ${a.split}, seed ${a.seed}; visible damage; precision/recall/fp per million clean pixels`);
for await (const seq of makeBenchSet({ count: variants.length, width: setW, height: setH, frames: 12, seed: Number(a.seed), regrain: false, cleanDir: a.clean, split: a.split === 'train' ? 'train' : 'unseen', variants })) {
  if (a.only && !seq.name.includes(a.only)) continue;
  const { width: W, height: H } = seq.layout;
  const lumas = seq.damaged.map((f) => toLuma(f, seq.layout));
  const per = Object.fromEntries(STAGES.map((s) => [s, emptyConfusion()])) as Record<StageName, Confusion>;
  for (let t = 0; t < lumas.length; t++) {
    const window = Array.from({ length: UNET_WINDOW }, (_, k) => lumas[t - HALF + k] ?? null);
    const { truth, ignore } = visibleTruth(damageVisibility(seq.damaged[t]!, seq.clean[t]!, seq.masks[t]!, seq.layout));
    const alignment = alignWindow(window, W, H);
    const sources = windowSources(window);
    const shifts = slotShifts(alignment, window);
    // The cells the network read, in full-size pixels (at 2K and up they are cells of the reduced window).
    const { prob, cells } = await damageProbability(sources, W, H, run, settings, alignment, undefined, shifts);
    const cellMask = new Uint8Array(W * H).fill(cells ? 0 : 255);
    if (cells) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (cells.selected[Math.floor(y / cells.cell) * cells.cols + Math.floor(x / cells.cell)]) cellMask[y * W + x] = 255;
    const regions = maskFromProbability(prob, W, H, { ...settings, dilate: 0 });
    const gate = gateDamage(regions, withFurtherWitness(alignment, framesPast(lumas, t, HALF), HALF), { prob, probReduced: networkHalvings(settings, W) > 0, explain: true });
    const gated = gate.mask;
    const near = nearTruth(seq.masks[t]!, W, H, 2);
    const verdictAt = new Map<number, string>();
    for (const r of gate.regions ?? []) for (const p of r.pixels) verdictAt.set(p, r.verdict);
    const nearKept = nearTruth(gated, W, H, 2);
    const nearRegion = nearTruth(regions, W, H, 2);
    const lumaClean = toLuma(seq.clean[t]!, seq.layout);
    for (let p = 0; p < W * H; p++) {
      if (!truth[p] || ignore[p] || gated[p]) continue;
      const contrast = Math.abs(lumas[t]![p]! - lumaClean[p]!);
      const verdict = verdictAt.get(p) ?? '?';
      // Inside a region the gate repaints, a pixel left out was trimmed (it did not depart), not dropped.
      const key = regions[p] ? `${repainted(verdict) ? 'trimmed' : 'dropped'} ${verdict}` : nearKept[p] ? 'beside kept' : nearRegion[p] ? 'beside dropped' : contrast < 0.08 ? 'unseen, contrast < 0.08' : 'unseen, contrast >= 0.08';
      // With --verbose, per damage class too.
      for (const k of a.verbose ? [key, `${key}, class ${seq.classes[t]![p]}`] : [key]) missedBy.set(k, (missedBy.get(k) ?? 0) + 1);
      sqBy.set(key, (sqBy.get(key) ?? 0) + contrast * contrast);
    }
    for (const r of gate.regions ?? []) {
      const key = a.verbose ? `${seq.name.slice(0, 3)} ${r.verdict}` : r.verdict;
      const e = byVerdict.get(key) ?? { tp: 0, halo: 0, far: 0, regions: 0 };
      e.regions++;
      for (const p of r.pixels) {
        if (ignore[p]) continue;
        if (truth[p]) e.tp++;
        else if (near[p]) e.halo++;
        else e.far++;
      }
      byVerdict.set(key, e);
      if (a.lines && (r.verdict === 'scratch' || r.verdict === 'static-line' || r.verdict === 'slanted-line')) {
        const tp = [...r.pixels].filter((p) => truth[p]).length;
        const mp = [...r.pixels].reduce((acc, p) => acc + prob[p]!, 0) / r.pixels.length;
        const b = boxOf(r.pixels, W);
        console.log(`LINE ${seq.name.slice(0, 3)} t${t} ${r.verdict} n ${r.pixels.length} true ${(tp / r.pixels.length).toFixed(2)} prob ${mp.toFixed(3)} x ${b.x0}-${b.x1} y ${b.y0}-${b.y1}`);
      }
      if (a.dump && dumpedVerdict(r.verdict)) {
        // Kept regions that are mostly picture, or with --dump-missed, dropped regions that are mostly damage.
        const kept = repainted(r.verdict);
        const wrong = [...r.pixels].filter((p) => (kept ? !truth[p] && !ignore[p] && !near[p] : truth[p])).length;
        if (kept !== a['dump-missed'] && wrong > r.pixels.length / 2 && r.pixels.length >= Number(a['dump-min']) && dumped < 40) await dumpStrip(a.dump, `${seq.name.slice(0, 3)}-t${t}-${r.verdict}-${dumped++}`, lumas, t, r.pixels, W, H);
      }
    }
    const masks: Record<StageName, Uint8Array> = { cascade_cells: cellMask, network: regions, gated };
    for (const s of STAGES) {
      addConfusion(masks[s], truth, per[s], ignore);
      addConfusion(masks[s], truth, total[s], ignore);
    }
    // A shot's first and last two frames have one-sided windows: their recall is shown apart.
    const place = t === 0 ? 'first' : t === 1 ? 'second' : t === lumas.length - 1 ? 'last' : t === lumas.length - 2 ? 'second last' : 'middle';
    const at = byPlace.get(place) ?? { network: emptyConfusion(), gated: emptyConfusion() };
    addConfusion(regions, truth, at.network, ignore);
    addConfusion(gated, truth, at.gated, ignore);
    byPlace.set(place, at);
    const classes = seq.classes[t]!;
    for (let i = 0; i < truth.length; i++) {
      if (!truth[i] || ignore[i]) continue;
      const c = classes[i]!;
      const e = classMiss.get(c) ?? { pixels: 0, found: Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<StageName, number> };
      e.pixels++;
      for (const s of STAGES) if (masks[s][i]) e.found[s]++;
      classMiss.set(c, e);
    }
  }
  const line = STAGES.map((s) => {
    const d = detectionScores(per[s]);
    const fpm = Math.round((per[s].fp / (per[s].fp + per[s].tn)) * 1e6);
    return `${s} p ${fmt(d.precision)} r ${fmt(d.recall)} fp ${fpm}`;
  });
  console.log(`${seq.name.padEnd(48)} ${line.join(' | ')}`);
}
console.log('\nall:');
for (const s of STAGES) {
  const d = detectionScores(total[s]);
  console.log(`  ${s.padEnd(20)} precision ${fmt(d.precision)} recall ${fmt(d.recall)} fp/Mpx ${Math.round((total[s].fp / (total[s].fp + total[s].tn)) * 1e6)}`);
}
console.log("\nby the frame's place in its shot (network | gated):");
for (const place of ['first', 'second', 'middle', 'second last', 'last']) {
  const c = byPlace.get(place);
  if (!c) continue;
  const n = detectionScores(c.network);
  const g = detectionScores(c.gated);
  console.log(`  ${place.padEnd(12)} network recall ${fmt(n.recall)} | gated precision ${fmt(g.precision)} recall ${fmt(g.recall)} missed ${c.gated.fn}`);
}
console.log('\nrecall per class (code: pixels):');
for (const [c, e] of [...classMiss.entries()].sort((x, y) => x[0] - y[0])) {
  console.log(`  ${c}: ${e.pixels} px  ` + STAGES.map((s) => `${s} ${(e.found[s] / e.pixels).toFixed(2)}`).join('  '));
}

console.log('\nvisible damage missed, by where it went (px):');
for (const [k, n] of [...missedBy.entries()].sort((x, y) => y[1] - x[1])) console.log(`  ${k.padEnd(26)} ${n}`);

console.log('\nsquared luma error of the missed damage, by where it went (strong specks weigh most):');
for (const [k, n] of [...sqBy.entries()].sort((x, y) => y[1] - x[1])) console.log(`  ${k.padEnd(26)} ${n.toFixed(1)}`);

console.log('\ngate verdicts (regions; visible true px; false px within 2 px of damage; false px further):');
for (const [v, e] of [...byVerdict.entries()].sort((x, y) => y[1].tp + y[1].far - x[1].tp - x[1].far)) {
  console.log(`  ${v.padEnd(12)} regions ${String(e.regions).padStart(5)}  true ${String(e.tp).padStart(7)}  halo ${String(e.halo).padStart(6)}  far ${String(e.far).padStart(7)}`);
}

/** Pixels within `r` (square) of any marked truth pixel, the truth included. */
function nearTruth(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) out[yy * w + xx] = 1;
    }
  }
  return out;
}

/**
 * Per frame, the pixels one model's gated mask (what the service repaints, undilated) holds and the other's
 * does not, both ways; with --dump, strips of the largest regions only `ours` (SEGMENT_MODEL) repaints.
 */
async function compareOnClip(lumas: Float32Array[], w: number, h: number, ours: (t: number) => Promise<GateResult>, theirs: (t: number) => Promise<GateResult>): Promise<void> {
  let onlyOurs = 0;
  let onlyTheirs = 0;
  const added: { t: number; pixels: Int32Array }[] = [];
  for (let t = 0; t < lumas.length; t++) {
    const [a1, b1] = [(await ours(t)).mask, (await theirs(t)).mask];
    const extra = new Uint8Array(w * h);
    let n = 0;
    for (let i = 0; i < extra.length; i++) {
      if (a1[i] && !b1[i]) extra[i] = 1;
      n += extra[i]!;
      if (b1[i] && !a1[i]) onlyTheirs++;
    }
    onlyOurs += n;
    for (const r of regionsOf(extra, w, h, n)) added.push({ t, pixels: r.pixels });
  }
  const share = (n: number) => `${((100 * n) / (w * h * lumas.length)).toFixed(3)} %`;
  console.log(`repainted only by SEGMENT_MODEL: ${share(onlyOurs)} of the clip's pixels (${added.length} regions); only by --against: ${share(onlyTheirs)}`);
  added.sort((x, y) => y.pixels.length - x.pixels.length);
  for (const [k, r] of added.slice(0, 40).entries()) {
    console.log(`  t${r.t}: ${r.pixels.length} px`);
    if (a.dump) await dumpStrip(a.dump, `only-t${r.t}-${k}`, lumas, r.t, r.pixels, w, h);
  }
}

/** The first and last column and row of a region's pixels (inclusive). */
function boxOf(pixels: Int32Array, w: number): { x0: number; x1: number; y0: number; y1: number } {
  const b = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  for (const p of pixels) {
    const x = p % w;
    const y = (p - x) / w;
    b.x0 = Math.min(b.x0, x);
    b.x1 = Math.max(b.x1, x);
    b.y0 = Math.min(b.y0, y);
    b.y1 = Math.max(b.y1, y);
  }
  return b;
}

/**
 * The frames the gate compares t with, around a region (its box and 16 px), side by side, 3x, the
 * region's edge drawn red in t's copy: the nearest frame on each side that is not a telecine repeat of t
 * (a twin shows the same dust and says nothing), within the detector's window.
 */
async function dumpStrip(dir: string, name: string, lumas: Float32Array[], t: number, pixels: Int32Array, w: number, h: number): Promise<void> {
  const b = boxOf(pixels, w);
  // The region's place, to find it in the gate's own logs.
  console.log(`dumped ${name}: n ${pixels.length} x ${b.x0}-${b.x1} y ${b.y0}-${b.y1}`);
  const x0 = Math.max(0, b.x0 - 16);
  const y0 = Math.max(0, b.y0 - 16);
  const cw = Math.min(w - 1, b.x1 + 16) - x0 + 1;
  const ch = Math.min(h - 1, b.y1 + 16) - y0 + 1;
  const S = 3;
  const stripW = 3 * cw * S;
  const inRegion = new Set(pixels);
  const onEdge = (p: number) => inRegion.has(p) && ![p - 1, p + 1, p - w, p + w].every((q) => inRegion.has(q));
  const out = new Uint8Array(stripW * ch * S * 3);
  const nearestOther = (step: number) => {
    for (let f = t + step; Math.abs(f - t) <= HALF && f >= 0 && f < lumas.length; f += step) if (!isRepeat(lumas[t]!, lumas[f]!)) return f;
    return t + step;
  };
  [nearestOther(-1), t, nearestOther(1)].forEach((f, k) => {
    const src = lumas[Math.max(0, Math.min(lumas.length - 1, f))]!;
    for (let y = 0; y < ch * S; y++) {
      for (let x = 0; x < cw * S; x++) {
        const p = (y0 + Math.floor(y / S)) * w + x0 + Math.floor(x / S);
        const v = Math.round(255 * Math.max(0, Math.min(1, src[p]!)));
        const red = k === 1 && (x % S === 0 || y % S === 0) && onEdge(p);
        out.set(red ? [255, 40, 40] : [v, v, v], (y * stripW + k * cw * S + x) * 3);
      }
    }
  });
  await mkdir(dir, { recursive: true });
  await sharp(out, { raw: { width: stripW, height: ch * S, channels: 3 } }).png().toFile(join(dir, `${name}.png`));
}
