import { existsSync } from 'node:fs';
import { makeBenchmarkSet, type BenchSequence, type FilmSequenceOptions } from '@reelrestore/shared/synthetic/index';

/** The generator's options every training-set script takes on its command line (as strings, parseArgs's way). */
export interface SequenceArgs {
  count?: string | undefined;
  width?: string | undefined;
  height?: string | undefined;
  frames?: string | undefined;
  seed?: string | undefined;
  'clean-dir'?: string | undefined;
  overlays?: string | undefined;
}

/** The clean photographs' folder when it is there; undefined means procedural plates. */
export function cleanImagesDir(a: SequenceArgs): string | undefined {
  return a['clean-dir'] && existsSync(a['clean-dir']) ? a['clean-dir'] : undefined;
}

/**
 * The synthetic sequences a training set is made from: the benchmark's generator over the training side of
 * the source split only, so the benchmark's unseen split stays unseen. Without the clean photographs the
 * generator falls back to procedural plates.
 */
export function trainingSequences(a: SequenceArgs, variants: readonly Partial<FilmSequenceOptions>[]): AsyncGenerator<BenchSequence> {
  return makeBenchmarkSet({
    count: Number(a.count),
    width: Number(a.width),
    height: Number(a.height),
    frames: Number(a.frames),
    seed: Number(a.seed),
    cleanDir: cleanImagesDir(a),
    overlaysDir: a.overlays,
    split: 'train',
    variants,
  });
}
