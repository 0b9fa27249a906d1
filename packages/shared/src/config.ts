import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * `tenant:sha256hex,tenant2:sha256hex` — API keys are stored only as SHA-256 hashes, each bound to a tenant.
 * Generate one with `reelrestore keygen <tenant>`.
 */
const apiKeys = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const out: { tenant: string; sha256: string }[] = [];
    for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [tenant, hash] = entry.split(':');
      if (!tenant || !/^[a-z0-9_-]{1,64}$/i.test(tenant) || !hash || !/^[0-9a-f]{64}$/i.test(hash)) {
        ctx.addIssue({ code: 'custom', message: `entry "${entry.slice(0, 20)}…" is not tenant:sha256hex` });
        return z.NEVER;
      }
      out.push({ tenant, sha256: hash.toLowerCase() });
    }
    return out;
  });

/** `tenant:whsec_base64,…` — per-tenant Standard Webhooks signing secrets. */
const webhookSecrets = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const out: Record<string, string> = {};
    for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const idx = entry.indexOf(':');
      const tenant = entry.slice(0, idx);
      const secret = entry.slice(idx + 1);
      if (idx <= 0 || !secret.startsWith('whsec_')) {
        ctx.addIssue({ code: 'custom', message: `entry for "${tenant}" is not tenant:whsec_…` });
        return z.NEVER;
      }
      out[tenant] = secret;
    }
    return out;
  });

/**
 * Read-only stores an operator registers for a tenant (an archive's own bucket), as JSON:
 * `[{"name": "vault", "tenant": "acme", "url": "s3://archive?endpoint=…&prefix=scans/", "credentials": "VAULT"}]`.
 * `credentials` names the environment variables holding the keys (`VAULT_ACCESS_KEY_ID`,
 * `VAULT_SECRET_ACCESS_KEY`); without it the default AWS chain is used. A reel names one with
 * `{"source": {"external": "vault", "key" | "prefix": …}}` and never reads outside them.
 */
const externalSource = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]{1,64}$/i, 'a source name is 1-64 letters, digits, _ or -'),
  tenant: z.string().regex(/^[a-z0-9_-]{1,64}$/i),
  url: z.string().startsWith('s3://', 'an external source is an s3:// URL (as STORAGE_URL)'),
  credentials: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'credentials is an environment variable prefix, e.g. VAULT').optional(),
});
const externalSources = z
  .string()
  .default('[]')
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not JSON: expected [{"name", "tenant", "url", "credentials"?}, …]' });
      return z.NEVER;
    }
  })
  .pipe(z.array(externalSource))
  .refine((list) => new Set(list.map((s) => s.name)).size === list.length, 'two sources share a name: names are unique across tenants');

export type ExternalSourceConfig = z.infer<typeof externalSource> & { accessKeyId?: string; secretAccessKey?: string };

/** A token that is off when unset or empty (compose passes `${VAR:-}` through as ""), at least 16 characters when on. */
const optionalSecret = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters, or empty for none').optional());

export const configSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Key prefix for every BullMQ queue and reel record, so several deployments can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i).default('rr'),
  STORAGE_URL: z.string().default('file:./data/store'),
  TMP_DIR: z.string().default(''),

  HOST: z.string().default('0.0.0.0'),
  /** The API closes a connection that sends and receives nothing for this long (a stalled body, a slow client). */
  HTTP_IDLE_TIMEOUT_MS: int(60_000, 100),
  /**
   * A request whose body the API reads whole (JSON, plain text, a known-damage PNG) must have arrived within
   * this, or it gets 408 and its connection is closed: a client trickling a byte at a time cannot hold it.
   * Uploads (multipart, tus, sequence frames) are not timed as a whole, so a long upload is never cut while bytes move; HTTP_IDLE_TIMEOUT_MS ends them
   * when they stop. Headers must arrive within min(HTTP_IDLE_TIMEOUT_MS, 20 s).
   */
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100),
  /** Event-loop lag past which the API answers 503 with Retry-After (back-pressure); 0 = never. */
  API_MAX_EVENT_LOOP_DELAY_MS: int(5_000, 0),
  /** Heap in use past which the API answers 503 with Retry-After; 0 = 90 % of V8's heap limit. */
  API_MAX_HEAP_USED_BYTES: int(0, 0),
  /** Resident memory past which the API answers 503 with Retry-After; 0 = no limit (set it under the container's). */
  API_MAX_RSS_BYTES: int(0, 0),
  PORT: int(8080, 0),
  PUBLIC_URL: z.string().url().optional(),
  API_KEYS: apiKeys,
  MAX_UPLOAD_BYTES: int(50 * 1024 ** 3, 1),
  /** Requests per minute per tenant (shared by every API replica through Redis); 0 = no limit. */
  RATE_LIMIT_PER_MINUTE: int(600, 0),
  /** Days after a reel finishes before its data is purged from the store (as DELETE ?purge=true does); 0 = kept until deleted. */
  RETENTION_DAYS: z.coerce.number().min(0).default(0),
  /** Days after a reel finishes before its record goes too (its data first, if still there): then nothing of it is left; 0 = records kept. */
  RECORD_RETENTION_DAYS: z.coerce.number().min(0).default(0),
  SOURCES: externalSources,

  /** Frame geometry a reel may have (frames/frame-limits.ts): 8K scans and every film format fit the defaults. */
  MAX_FRAME_WIDTH: int(8192, 16),
  MAX_FRAME_HEIGHT: int(8192, 16),
  MAX_FRAME_PIXELS: int(8192 * 6144, 256),
  MAX_ASPECT_RATIO: z.coerce.number().min(1).default(6),
  MIN_FRAME_SIDE: int(16, 1),

  CHUNK_FRAMES: int(32, 1),
  /**
   * The most megapixels of frames one chunk holds (frames/chunk-size.ts): 2K chunks keep their 32 frames, 4K
   * ones get 20, 8K ones 5, so the longest chunk, and the drain it needs, is bounded at any scan size.
   */
  CHUNK_MAX_MEGAPIXELS: int(256, 1),
  CONTEXT_FRAMES: int(2, 1),
  /**
   * Scene-change score (scdet's 0-100 scale) that counts as a cut. Lower than scdet's 10: a missed cut lets
   * temporal context cross into another picture, a false one only shortens context. Grain, motion and
   * flicker score about 0-4.
   */
  SHOT_THRESHOLD: z.coerce.number().min(0).max(100).default(6),

  SEGMENTER: z.enum(['spike', 'unet']).default('unet'),
  /** diffusion: the learned inpainter (models/inpaint-diffusion); median: the motion-compensated temporal median reference. */
  INPAINTER: z.enum(['diffusion', 'median']).default('diffusion'),
  /** ONNX file of the learned inpainter; default the repo's models/inpaint-diffusion/model.onnx. */
  INPAINT_MODEL: z.string().min(1).optional(),
  /** cuda: onnxruntime's CUDA provider when its libraries are installed, else CPU with a log line saying why. */
  INPAINT_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
  /** DDIM steps of the learned inpainter: fewer is faster, more follows the model more closely. */
  INPAINT_STEPS: int(1, 1),
  /** Grain the learned inpainter adds, as a share of what its repaint lacks against the surroundings (0 = none; 1 made the pipeline flicker 10.4 % above the truth on the benchmark, 0.9 keeps it under 10 %). */
  INPAINT_GRAIN: z.coerce.number().min(0).max(2).default(0.9),
  /** Damaged tiles per network call of the learned inpainter. */
  INPAINT_BATCH: int(8, 1),
  SPIKE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.06),
  MASK_DILATE: int(2, 0),
  /** ONNX file of the learned segmenter; default the repo's models/segment-unet/model.onnx. */
  SEGMENT_MODEL: z.string().min(1).optional(),
  /** Damage probability that seeds a detection (SEGMENTER=unet). */
  UNET_THRESHOLD: z.coerce.number().gt(0).max(1).default(0.5),
  /** Probability that lets a pixel join a seeded detection (hysteresis; at most UNET_THRESHOLD). */
  UNET_LOW_THRESHOLD: z.coerce.number().gt(0).max(1).default(0.4),
  /** Tile side for the network, a multiple of 4 (bounded memory at 2K and 4K). */
  UNET_TILE: z.coerce.number().int().min(64).multipleOf(4).default(256),
  /** Tile overlap, a multiple of 4 and below UNET_TILE: each tile's outer half-overlap is discarded. */
  UNET_OVERLAP: z.coerce.number().int().min(0).multipleOf(4).default(64),
  /** Dilation of the learned masks in pixels; the network already marks soft edges, so less than MASK_DILATE. */
  UNET_DILATE: int(1, 0),
  /**
   * Run the network only on cells a cheap temporal/line test flags (restore/damage-candidates.ts); false
   * runs it on the whole frame (slower, for checking what the cascade skips).
   */
  UNET_CASCADE: bool(true),
  /** Cascade cell side, a multiple of 4, in the pixels the network reads (about 1K wide: 64 px of a 2K scan). */
  UNET_CELL: z.coerce.number().int().min(16).multipleOf(4).default(32),
  /** Cascade: luma jump against both frames of a pair that makes a pixel a candidate (at about 1K width). */
  UNET_CASCADE_SPIKE: z.coerce.number().gt(0).max(1).default(0.05),
  /** Cascade: mean contrast of a thin vertical ridge over 32 rows that makes a pixel a candidate. */
  UNET_CASCADE_LINE: z.coerce.number().gt(0).max(1).default(0.03),
  /**
   * Keep only the learned segmenter's regions that the motion-compensated neighbours do not confirm while
   * confirming each other (restore/temporal-gate.ts). false repaints whatever the network flags, moving
   * picture and picture detail included: for comparison only.
   */
  TEMPORAL_GATE: bool(true),
  /** Worker threads per worker process used for the numeric work. 0 = one per core. */
  COMPUTE_THREADS: int(0, 0),

  PROBE_CONCURRENCY: int(2, 1),
  SEGMENT_CONCURRENCY: int(1, 1),
  INPAINT_CONCURRENCY: int(1, 1),
  STITCH_CONCURRENCY: int(1, 1),
  WEBHOOK_CONCURRENCY: int(8, 1),
  JOB_ATTEMPTS: int(3, 1),
  /**
   * At most this many of one tenant's chunks segmented (and as many inpainted) at once across all workers, so
   * one tenant's reel cannot hold every worker; 0 = no cap.
   */
  TENANT_MAX_RUNNING_CHUNKS: int(8, 0),
  /**
   * A segment or inpaint chunk's time budget: this base plus JOB_BUDGET_MS_PER_MEGAPIXEL for every megapixel
   * of every frame (a 32-frame 2K chunk gets about 52 minutes). Past it the work stops and the reel fails.
   */
  JOB_BUDGET_BASE_MS: int(60_000, 1),
  JOB_BUDGET_MS_PER_MEGAPIXEL: int(30_000, 0),
  /** A worker that dies mid-job holds its job this long; then another worker takes it over. */
  JOB_LOCK_MS: int(60_000, 1_000),

  WEBHOOK_SECRETS: webhookSecrets,
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  WEBHOOK_ATTEMPTS: int(8, 1),
  WEBHOOK_BACKOFF_MS: int(2_000, 1),
  /** Allow callbacks to loopback / private addresses (tests, single-machine setups). */
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  /** Send `reel.progress` webhooks at most once per this many seconds per reel, as chunks finish; 0 = none. */
  PROGRESS_WEBHOOK_SECONDS: int(0, 0),

  SHUTDOWN_TIMEOUT_MS: int(30_000, 0),

  /** A worker's HTTP port for /metrics, /healthz and /readyz; 0 = none. (The API serves them on its own port.) */
  METRICS_PORT: int(9464, 0),
  METRICS_HOST: z.string().default('0.0.0.0'),
  /** When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: optionalSecret,
  /** When set, the queue dashboard (/admin/queues) opens for HTTP basic auth with this as the password. */
  ADMIN_KEY: optionalSecret,
});

export type Config = Omit<z.infer<typeof configSchema>, 'SOURCES'> & { SOURCES: ExternalSourceConfig[] };

/** Parses the environment once; a wrong value stops the process with a message that names the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (result.data.UNET_OVERLAP >= result.data.UNET_TILE) {
    throw new ConfigError(`Invalid configuration:\n  UNET_OVERLAP: must be below UNET_TILE (${result.data.UNET_TILE})`);
  }
  return { ...result.data, SOURCES: result.data.SOURCES.map((s) => withCredentials(s, env)) };
}

/** An external source's keys, from the environment variables its `credentials` names; both or neither. */
function withCredentials(source: z.infer<typeof externalSource>, env: Record<string, string | undefined>): ExternalSourceConfig {
  if (!source.credentials) return source;
  const accessKeyId = env[`${source.credentials}_ACCESS_KEY_ID`];
  const secretAccessKey = env[`${source.credentials}_SECRET_ACCESS_KEY`];
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(
      `Invalid configuration:\n  SOURCES: source "${source.name}" takes its keys from ${source.credentials}_ACCESS_KEY_ID and ${source.credentials}_SECRET_ACCESS_KEY, which are not both set`,
    );
  }
  return { ...source, accessKeyId, secretAccessKey };
}

/** For a process entry point: a wrong value prints the message (naming the variable) and exits 1. */
export function loadConfigOrExit(service: string): Config {
  try {
    return loadConfig();
  } catch (err) {
    console.error(`${service}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

/** `file:./data` and `file:///abs` both become absolute paths; anything else is returned unchanged. */
export function resolveStorageUrl(url: string, cwd = process.cwd()): string {
  if (url.startsWith('file://')) return url;
  if (url.startsWith('file:')) return 'file://' + resolve(cwd, url.slice('file:'.length));
  if (!url.includes('://')) return 'file://' + resolve(cwd, url);
  return url;
}
