/**
 * The benchmark's synthetic sequences: the project's one generator (makeBenchmarkSet), film-like
 * pictures with damage composited from real artefact scans where the overlay folder is present.
 * Its default mix cycles grey/colour, 8/16-bit and motions, and holds one clean sequence.
 */
import { existsSync } from 'node:fs';
import { makeBenchmarkSet, type BenchSequence } from '@reelrestore/shared/synthetic/index';

export interface BenchSetOptions {
  /** Sequences, the clean one included (at least 4 so the default mix reaches it). */
  count: number;
  width: number;
  height: number;
  frames: number;
  seed: number;
  /** Clean photographs for plates; procedural plates when absent. */
  cleanDir?: string;
}

export function makeBenchSet(opts: BenchSetOptions): AsyncGenerator<BenchSequence> {
  const { cleanDir, ...rest } = opts;
  return makeBenchmarkSet({ ...rest, ...(cleanDir && existsSync(cleanDir) ? { cleanDir } : {}) });
}
