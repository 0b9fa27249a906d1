/**
 * The benchmark's synthetic sequences: the project's one generator (makeBenchmarkSet), film-like
 * pictures with damage composited from real artefact scans where the overlay folder is present.
 * Its default mix cycles grey/colour, 8/16-bit and motions, and holds one clean sequence.
 */
import { existsSync } from 'node:fs';
import { makeBenchmarkSet, type BenchmarkSetOptions, type BenchSequence } from '@reelrestore/shared/synthetic/index';

/** The generator's options the bench sets; the clean one is included when count is at least 4. */
export type BenchSetOptions = Pick<BenchmarkSetOptions, 'count' | 'width' | 'height' | 'frames' | 'seed' | 'cleanDir' | 'regrain' | 'split' | 'variants'>;

export function makeBenchSet(opts: BenchSetOptions): AsyncGenerator<BenchSequence> {
  const { cleanDir, ...rest } = opts;
  return makeBenchmarkSet({ ...rest, ...(cleanDir && existsSync(cleanDir) ? { cleanDir } : {}) });
}
