import type { MediaInfo } from './types.js';

export interface Shot {
  index: number;
  /** First frame (inclusive). */
  start: number;
  /** Last frame (exclusive). */
  end: number;
}

export interface ChunkPlan {
  shot: number;
  chunk: number;
  start: number;
  end: number;
  /** Frames that may be read for temporal context; clipped at the shot's ends, never across a cut. */
  contextStart: number;
  contextEnd: number;
}

/** The reel's plan.json: everything a stage needs to find its frames. */
export interface ReelPlan {
  media: MediaInfo;
  /**
   * Where the pixels are: one video object, or image frames under a prefix (names in media.sequence.files),
   * in the service's store or, with `external`, in that registered archive bucket (storage/external-sources.ts).
   */
  source: { type: 'video'; key: string; external?: string } | { type: 'sequence'; prefix: string; external?: string };
  shots: Shot[];
  chunks: ChunkPlan[];
  options: ReelOptions;
}

export interface ReelOptions {
  chunkFrames: number;
  /** Video output codec. Image sequences always come back in their own format. */
  outputFormat: 'ffv1' | 'prores4444';
}
