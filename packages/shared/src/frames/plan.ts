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
  /** Key of the source video; for sequences the frames are under the source prefix. */
  sourceKey?: string;
  shots: Shot[];
  chunks: ChunkPlan[];
  options: ReelOptions;
}

export interface ReelOptions {
  chunkFrames: number;
  /** Video output codec. Image sequences always come back in their own format. */
  outputFormat: 'ffv1' | 'prores4444';
}
