/**
 * Writes a synthetic benchmark set (clean film-like sequences with damage of known position) to disk so
 * anyone can look at it and the benchmark can read it.
 *
 *   npx tsx scripts/make-benchset.ts --out data/benchset [--count 6 --width 640 --height 480 --frames 12
 *     --seed 1 --clean .cache/clean-images --overlays ../shared/data/film-aa-overlays]
 */
import { parseArgs } from 'node:util';
import { classShares, makeBenchmarkSet } from '../packages/shared/src/synthetic/make-sequence.js';
import { defaultOverlaysDir, overlaysAvailable } from '../packages/shared/src/synthetic/overlays.js';
import { loadCleanImages } from '../packages/shared/src/synthetic/plates.js';
import { writeBenchSequence } from '../packages/shared/src/synthetic/write-benchset.js';

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got "${value}"`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'data/benchset' },
      count: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      frames: { type: 'string' },
      seed: { type: 'string' },
      clean: { type: 'string', default: '.cache/clean-images' },
      overlays: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npx tsx scripts/make-benchset.ts --out DIR [--count N --width W --height H --frames F --seed S --clean DIR --overlays DIR]');
    return;
  }
  const opts = {
    count: int('count', values.count, 6),
    width: int('width', values.width, 640),
    height: int('height', values.height, 480),
    frames: int('frames', values.frames, 12),
    seed: int('seed', values.seed, 1),
    cleanDir: values.clean,
    overlaysDir: values.overlays,
  };
  const images = await loadCleanImages(opts.cleanDir, { minSide: Math.min(512, opts.height) });
  const overlays = opts.overlaysDir ?? defaultOverlaysDir();
  console.log(`plates: ${images.length > 0 ? `${images.length} clean images in ${opts.cleanDir}` : 'procedural (run scripts/fetch-clean-images.sh for photographs)'}`);
  console.log(`overlays: ${overlaysAvailable(overlays) ? overlays : 'none found, procedural damage only'}`);
  const started = Date.now();
  for await (const seq of makeBenchmarkSet(opts)) {
    const t = Date.now();
    const w = await writeBenchSequence(values.out!, seq);
    const meta = seq.meta as { source?: string; motion?: string; damage?: { totals?: Record<string, number> } | false };
    const shares = Object.entries(classShares(seq))
      .filter(([, v]) => (v ?? 0) > 0)
      .map(([k, v]) => `${k} ${((v ?? 0) * 100).toFixed(2)}%`)
      .join(', ');
    console.log(
      `${w.name}: ${w.frames} frames ${w.layout.width}x${w.layout.height}, damaged ${(w.damagedShare * 100).toFixed(2)}%` +
        `${shares ? ` (${shares})` : ''}, artefacts ${meta.damage ? JSON.stringify(meta.damage.totals) : 'none'}, ` +
        `plate ${String(meta.source).split('/').pop()}, written in ${Date.now() - t} ms`,
    );
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${values.out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
