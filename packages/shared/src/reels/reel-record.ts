import type { Shot } from '../frames/plan.js';

export const REEL_STATES = ['queued', 'probing', 'segmenting', 'inpainting', 'stitching', 'completed', 'failed', 'cancelled'] as const;
export type ReelState = (typeof REEL_STATES)[number];
export const TERMINAL_STATES: readonly ReelState[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (s: ReelState) => TERMINAL_STATES.includes(s);

/** Where a reel's pixels come from. */
/** Where a reel's pixels are; `external` names the registered archive bucket (SOURCES) they are read from, in place. */
export type ReelSource =
  | { type: 'video'; key: string; fileName: string; size: number; sha256?: string; external?: string }
  | { type: 'sequence'; prefix: string; frames: number; size: number; sha256?: string; external?: string };

export type Stage = 'probe' | 'segment' | 'inpaint' | 'stitch';

export interface WebhookAttempt {
  eventId: string;
  type: string;
  attempt: number;
  at: string;
  status?: number;
  error?: string;
  ms: number;
  delivered: boolean;
}

export interface ReelOutputs {
  kind: 'video' | 'sequence';
  /** Video: the restored file's key. Sequence: the output frames' prefix. */
  output: string;
  outputName: string;
  preview: string;
  report: string;
  maskPrefix: string;
  /** manifest.json's key; absent on reels completed before manifests were written. */
  manifest?: string;
}

/** What an output file is, and so which route serves it. */
export const OUTPUT_FILE_ROLES = ['video', 'frame', 'preview', 'report', 'mask'] as const;

/** One output file of a completed reel, as the stitch job stored it: size and SHA-256 are of the stored bytes. */
export interface OutputFile {
  role: (typeof OUTPUT_FILE_ROLES)[number];
  /** Unique within the reel: `restored.mkv`, `frames/<file name>`, `preview.mp4`, `report.json`, `masks/<frame>.png`. */
  name: string;
  key: string;
  size: number;
  sha256: string;
  contentType: string;
  /** Masks: the frame number. */
  frame?: number;
}

/** manifest.json (reelKeys().manifest): every output file of a completed reel, restored picture first, masks last. */
export interface OutputManifest {
  version: 1;
  reelId: string;
  kind: ReelOutputs['kind'];
  createdAt: string;
  files: OutputFile[];
}

export interface ShotProgress extends Shot {
  segmented: number;
  inpainted: number;
  /** Pixels the detector marked in the shot's frames. */
  damagedPixels: number;
}

/** A reel as the status endpoint reports it. */
export interface ReelRecord {
  id: string;
  tenantId: string;
  state: ReelState;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** When its source, masks, patches and outputs were deleted (DELETE ?purge=true, or retention); it has no outputs since. */
  purgedAt?: string;
  source: ReelSource;
  options: { chunkFrames: number; outputFormat: 'ffv1' | 'prores4444' };
  callbackUrl?: string;
  error?: string;
  media?: { width: number; height: number; frameCount: number; fps: number; codec: string; pixFmt: string; sourceBits: number; channels: number };
  progress: { framesTotal: number; segmented: number; inpainted: number; percent: number };
  shots: ShotProgress[];
  /** Summed worker milliseconds per stage. */
  timings: Partial<Record<Stage, number>>;
  damagedPixels: number;
  /** The review revision its outputs show (each set of a restorer's edits adds one); absent before any edit. */
  revision?: number;
  /** What the user should know about the input even though the reel completes, e.g. gaps in a sequence's numbering. */
  warnings?: string[];
  /**
   * Frames the source should hold (what a video's container declares; a sequence's files and the numbers
   * missing between them) and frames the probe decoded, set once probed. A video that decodes fewer fails
   * where its decoder reported damage or a cut, and otherwise completes with a warning; a sequence with gaps
   * completes with warnings naming them.
   */
  expectedFrames?: number;
  decodedFrames?: number;
  /** Known damage masks are attached (benchmark material): the console colours its mask overlay by them. */
  truth?: boolean;
  outputs?: ReelOutputs;
  webhooks: WebhookAttempt[];
}
