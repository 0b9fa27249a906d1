import type { Shot } from '../frames/plan.js';

export const REEL_STATES = ['queued', 'probing', 'segmenting', 'inpainting', 'stitching', 'completed', 'failed', 'cancelled'] as const;
export type ReelState = (typeof REEL_STATES)[number];
export const TERMINAL_STATES: readonly ReelState[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (s: ReelState) => TERMINAL_STATES.includes(s);

/** Where a reel's pixels come from. */
export type ReelSource =
  | { type: 'video'; key: string; fileName: string; size: number; sha256?: string }
  | { type: 'sequence'; prefix: string; frames: number; size: number; sha256?: string };

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
}

export interface ShotProgress extends Shot {
  segmented: number;
  inpainted: number;
}

/** A reel as the status endpoint reports it. */
export interface ReelRecord {
  id: string;
  tenantId: string;
  state: ReelState;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
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
  outputs?: ReelOutputs;
  webhooks: WebhookAttempt[];
}
