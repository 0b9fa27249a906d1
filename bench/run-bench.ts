/**
 * `npm run bench`: scores the classical references and their peers on a fixed-seed synthetic set with
 * known damage, measures speed and memory per stage, takes a look at a real damaged clip, and writes
 * JSON (stable schema, see bench-report.ts), HTML and a markdown table.
 *
 *   npx tsx bench/run-bench.ts [--full] [--json <file>] [--html <file>] [--real <dir>] [--seed N] [--clean <dir>]
 *   npx tsx bench/run-bench.ts --chaos [--kills 50] [--clients 8]   (reliability: bench/chaos.ts)
 *
 * --clean: clean photographs for the plates (scripts/fetch-clean-images.sh fills .cache/clean-images,
 * the default); without them the generator paints procedural plates, and meta.set says which.
 *
 * Quick (default) finishes in a few minutes on two cores; --full uses a larger set and adds 4K speed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeBenchSet, type BenchSetOptions } from './bench-set.js';
import { evaluateSet, type OverlaySample } from './evaluate-set.js';
import { scoreGapped } from './gapped-frames.js';
import { drawOf, scoreDraw, type DrawResult } from './unseen-draws.js';
import { DEFAULT_VARIANTS, HARD_VARIANTS, imagesOfSplit, type SequenceVariant } from '@reelrestore/shared/synthetic/index';
import { measureApiThroughput } from './api-throughput.js';
import { measureSpeed, SIZE_2K, SIZE_4K, STAGES, type SpeedRun } from './speed.js';
import { findClipDirs, lookAtRealClip, type RealClipPictures, type RealClipResult } from './real-clips.js';
import { hasInpaintModel } from './peers/diffusion-inpainter.js';
import { CONVENTIONS, type BenchReport, type SplitReport } from './bench-report.js';
import { markdownReport } from './report-markdown.js';
import { htmlReport } from './report-html.js';
import { chaosTable, runChaosBench } from './chaos.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// One full cycle of the default mix (every motion, depth and colour, one clean sequence) and of the hard
// mix (independent motion, damage-like detail, borders, repeats, other grain; three clean sequences).
const BENCH_VARIANTS: readonly SequenceVariant[] = [...DEFAULT_VARIANTS, ...HARD_VARIANTS];
const QUICK_SET: Omit<BenchSetOptions, 'seed'> = { count: BENCH_VARIANTS.length, width: 480, height: 360, frames: 12 };
const FULL_SET: Omit<BenchSetOptions, 'seed'> = { count: 2 * BENCH_VARIANTS.length, width: 960, height: 720, frames: 16 };
/** Further draws of the unseen split (other seeds), learned masks only: about a minute each in quick mode. */
const EXTRA_DRAWS = 2;

function gitCommit(): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      json: { type: 'string', default: join(ROOT, 'bench-out/bench.json') },
      html: { type: 'string', default: join(ROOT, 'bench-out/bench.html') },
      real: { type: 'string', default: resolve(ROOT, '../shared/data/real-clips') },
      seed: { type: 'string', default: '1' },
      clean: { type: 'string', default: join(ROOT, '.cache/clean-images') },
      // The reliability run instead of the quality and speed bench (bench/chaos.ts).
      chaos: { type: 'boolean', default: false },
      kills: { type: 'string', default: '50' },
      clients: { type: 'string', default: '8' },
    },
    strict: true,
  });
  if (values.chaos) {
    console.log(`Chaos: ${values.kills} worker kills and a Redis restart during reels, then ${values.clients} clients at once on loopback…`);
    const report = await runChaosBench({ kills: Number(values.kills), clients: Number(values.clients), json: join(ROOT, 'bench-out/chaos.json') });
    console.log(`\n${chaosTable(report)}`);
    return;
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
  const full = values.full === true;
  const cleanDir = resolve(values.clean!);
  const photoFiles = existsSync(cleanDir) ? (await readdir(cleanDir)).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort() : [];
  const photos = photoFiles.length > 0;
  // regrain: each sequence also carries its truth under a new grain draw, the truth_new_grain peer.
  const setOpts = { ...(full ? FULL_SET : QUICK_SET), seed, regrain: true, ...(photos ? { cleanDir } : {}) };
  const log = (line: string) => process.stderr.write(line + '\n');
  const t0 = performance.now();

  // The unseen split first: sources training never touched say what the figures are worth on other films.
  const splits: SplitReport[] = [];
  const overlayPictures: OverlaySample[] = [];
  for (const name of ['unseen', 'seen'] as const) {
    const description = `${setOpts.count} synthetic sequences (the generator's default and hard mixes, ${BENCH_VARIANTS.filter((v) => v.damage === false).length} clean), ${setOpts.width}x${setOpts.height}, ${setOpts.frames} frames each, plates ${photos ? `from the ${name === 'seen' ? 'training' : 'unseen'} photographs` : 'procedural'}, overlays from the ${name === 'seen' ? 'training' : 'unseen'} files`;
    log(`quality, ${name} split: ${description}`);
    const results = await evaluateSet(makeBenchSet({ ...setOpts, split: name === 'seen' ? 'train' : 'unseen', variants: BENCH_VARIANTS }), { log, overlays: 2 });
    overlayPictures.push(...results.overlays);
    splits.push({
      name,
      title: name === 'unseen' ? 'Unseen split: pictures and damage scans training never saw' : 'Seen split: the sources training draws on',
      description,
      generator: String(results.sequences[0]?.meta.generator ?? 'unknown'),
      sequences: results.sequences,
      detectors: results.detectors,
      inpainters: results.inpainters,
      pipeline: results.pipeline,
      peers: results.peers,
    });
  }

  // The unseen split drawn again: one draw's four clean sequences are a small sample of other films.
  const unseenDraws: DrawResult[] = [drawOf(seed, setOpts.count, splits[0]!.detectors.unet_undilated!)];
  for (let k = 1; k <= EXTRA_DRAWS; k++) {
    log(`unseen split, draw ${k + 1}: seed ${seed + k}, learned masks only`);
    unseenDraws.push(await scoreDraw(seed + k, makeBenchSet({ ...setOpts, seed: seed + k, regrain: false, split: 'unseen', variants: BENCH_VARIANTS })));
  }

  // Neighbours that are not the same picture: the unseen hard mix, every fourth frame of 20.
  const gap = 4;
  log(`gapped frames: unseen hard mix, every ${gap}th frame`);
  const gapped = await scoreGapped(
    makeBenchSet({ ...setOpts, count: 3, frames: 5 * gap, split: 'unseen', variants: HARD_VARIANTS.filter((v) => v.damage !== false), regrain: false }),
    gap,
  );

  // Quick mode still measures the workers at 4K (their memory targets are set there), on two frames. The
  // learned inpainter is measured only when its model file is there.
  const stages = STAGES.filter((s) => s !== 'inpaint_worker' || hasInpaintModel());
  const at4k = stages.filter((s) => s === 'segment_unet' || s === 'segment_worker' || s === 'inpaint_worker');
  // The segment worker's target is set at 2K: there it times a chunk long enough to be mostly frames it
  // segments, not the context frames around them (a worker's chunk is 32 frames with 2 each side).
  const workerFrames = full ? 16 : 12;
  const runs: SpeedRun[] = full
    ? [SIZE_2K, SIZE_4K].map((size) => ({ size, stages, frames: 8, ...(size === SIZE_2K ? { framesOf: { segment_worker: workerFrames } } : {}) }))
    : [
        { size: SIZE_2K, stages, frames: 4, framesOf: { segment_worker: workerFrames } },
        { size: SIZE_4K, stages: at4k, frames: 2 },
      ];
  // The segment worker again at 2K on a photograph training never saw: textured picture is what real scans
  // hold, and it sends far more of the frame to the network than the procedural plate.
  const photo = imagesOfSplit(photoFiles.map((n) => join(cleanDir, n)), 'unseen')[0];
  if (photo && stages.includes('segment_worker')) runs.push({ size: { ...SIZE_2K, label: '2k-photo', plate: photo }, stages: ['segment_worker'], frames: workerFrames });
  log(`speed: ${runs.map((r) => `${r.size.label} (${r.stages.map((st) => `${st}${r.framesOf?.[st] ? ` ${r.framesOf[st]} frames` : ''}`).join(', ')}; ${r.frames} frames)`).join('; ')}`);
  const { speed, memory } = await measureSpeed({ runs, timeoutMs: full ? 1_800_000 : 300_000, seed, log });

  const throughputBytes = (full ? 1024 : 256) * 1024 * 1024;
  log(`api throughput: ${throughputBytes / 2 ** 20} MiB up and down through the API on loopback`);
  const apiThroughput = await measureApiThroughput(throughputBytes);

  // Every folder of frames under --real is one clip (real-clips/<name>/).
  const real: RealClipResult[] = [];
  const clipDirs = await findClipDirs(resolve(values.real!));
  if (clipDirs.length === 0) log(`real clips: none under ${values.real}, skipped`);
  for (const clipDir of clipDirs) {
    log(`real clip: ${clipDir}`);
    real.push(await lookAtRealClip(clipDir));
  }

  const c = cpus();
  const realPictures: RealClipPictures[] = real.map((clip) => clip.pictures);
  const realSummaries = real.map(({ pictures: _pictures, ...summary }) => summary);
  const report: BenchReport = {
    meta: {
      date: new Date().toISOString(),
      machine: { cpu: c[0]?.model.trim() ?? 'unknown', cores: c.length, memory_gb: Math.round(totalmem() / 2 ** 30), platform: `${process.platform}-${process.arch}` },
      node: process.version,
      git_commit: gitCommit(),
      mode: full ? 'full' : 'quick',
      seed,
      wall_seconds: (performance.now() - t0) / 1000,
      conventions: CONVENTIONS,
    },
    splits,
    unseen_draws: unseenDraws,
    gapped,
    speed,
    memory,
    real_clips: realSummaries,
    api_throughput: apiThroughput,
  };

  const md = markdownReport(report);
  const jsonPath = resolve(values.json!);
  const htmlPath = resolve(values.html!);
  const mdPath = join(dirname(jsonPath), 'bench.md');
  await mkdir(dirname(jsonPath), { recursive: true });
  await mkdir(dirname(htmlPath), { recursive: true });
  await writeFile(jsonPath, JSON.stringify(report, null, 2) + '\n');
  await writeFile(mdPath, md);
  await writeFile(htmlPath, await htmlReport({ report, overlays: overlayPictures, realPictures }));
  process.stdout.write(md);
  log(`wrote ${jsonPath}, ${mdPath}, ${htmlPath} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

await main();
