import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../config.js';
import { BadInputError, errorMessage } from '../errors.js';
import { metrics } from '../metrics/metrics.js';
import { parsePayload } from '../jobs.js';
import type { Logger } from '../logger.js';
import type { ReelRecord, ReelState, WebhookAttempt } from '../reels/reel-record.js';
import type { ReelStore } from '../reels/reel-store.js';
import { assertCallbackUrlAllowed } from './callback-url.js';
import type { ReelEventType } from './notify-reel-finished.js';
import { webhookHeaders } from './sign-webhook.js';

export interface WebhookBody {
  type: ReelEventType;
  timestamp: string;
  data: {
    id: string;
    state: ReelState;
    error?: string;
    progress: ReelRecord['progress'];
    links?: { output: string; preview: string; report: string };
  };
}

export interface WebhookDeliveryDeps {
  reels: ReelStore;
  config: Config;
  logger: Logger;
  /** Makes the links absolute, e.g. `https://restore.example.com`. */
  publicUrl?: string;
}

/**
 * The event body. `occurredAt` is the time the event was enqueued and the reel is terminal (its state
 * no longer changes), so every attempt of one job sends the same body under the same webhook-id.
 */
export function buildWebhookBody(reel: ReelRecord, type: ReelEventType, occurredAt: Date, publicUrl?: string): WebhookBody {
  const data: WebhookBody['data'] = { id: reel.id, state: reel.state, progress: reel.progress };
  if (reel.error) data.error = reel.error;
  if (type === 'reel.completed') {
    const base = `${(publicUrl ?? '').replace(/\/+$/, '')}/v1/reels/${reel.id}`;
    data.links = { output: `${base}/output`, preview: `${base}/preview`, report: `${base}/report` };
  }
  return { type, timestamp: occurredAt.toISOString(), data };
}

export type WebhookOutcome = { status: number; delivered: boolean } | { error: string; delivered: false };
type Outcome = WebhookOutcome;

/** POSTs once. Network errors and timeouts become an outcome, not an exception, so they can be recorded. */
export async function postWebhook(url: string, secret: string, eventId: string, body: string, timeoutMs: number): Promise<Outcome> {
  const headers = webhookHeaders(secret, eventId, Math.floor(Date.now() / 1000), body);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      // A redirect could lead past the SSRF check; a 3xx counts as a failed attempt instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The response body is never used; cancelling frees the connection.
    await res.body?.cancel().catch(() => undefined);
    return { status: res.status, delivered: res.status >= 200 && res.status < 300 };
  } catch (err) {
    return { error: fetchErrorMessage(err, timeoutMs), delivered: false };
  }
}

function fetchErrorMessage(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timeout after ${timeoutMs} ms`;
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, …) in `cause`.
  const cause = err instanceof Error ? err.cause : undefined;
  return cause ? `${errorMessage(err)}: ${errorMessage(cause)}` : errorMessage(err);
}

/**
 * The `webhook` queue's processor. Every attempt is recorded on the reel and logged; a non-2xx answer,
 * a network error or a timeout throws so BullMQ retries with the job's backoff. Configuration faults
 * (no secret for the tenant, a callback that is no longer allowed) fail the job at once.
 */
export function processWebhookJob(deps: WebhookDeliveryDeps): (job: Job) => Promise<{ status: number }> {
  return async (job) => {
    const { reelId, tenantId, eventId, type } = parsePayload('webhook', job.data);
    const attempt = job.attemptsMade + 1;
    const log = deps.logger.child({ reelId, jobId: job.id, eventId, attempt });
    const started = Date.now();
    const record = async (outcome: Outcome): Promise<void> => {
      const entry: WebhookAttempt = { eventId, type, attempt, at: new Date(started).toISOString(), ms: Date.now() - started, ...outcome };
      await deps.reels.recordWebhookAttempt(reelId, entry);
    };
    const giveUp = async (error: string): Promise<never> => {
      metrics.webhookDeliveries.inc({ outcome: 'gave_up' });
      await record({ error, delivered: false });
      log.error({ status: null, err: error }, 'webhook not delivered, giving up');
      throw new UnrecoverableError(error);
    };

    const reel = await deps.reels.get(reelId);
    if (!reel) {
      // Nothing to record onto: the reel is gone.
      log.warn({ status: null }, 'webhook dropped: reel not found');
      throw new UnrecoverableError(`reel ${reelId} not found`);
    }
    const secret = deps.config.WEBHOOK_SECRETS[tenantId];
    if (!secret) return giveUp(`no webhook secret configured for tenant ${tenantId}`);
    if (!reel.callbackUrl) return giveUp('reel has no callbackUrl');
    try {
      // Checked again at every attempt: DNS may have changed since the reel was submitted.
      await assertCallbackUrlAllowed(reel.callbackUrl, deps.config.WEBHOOK_ALLOW_PRIVATE);
    } catch (err) {
      if (err instanceof BadInputError) return giveUp(err.message);
      await record({ error: errorMessage(err), delivered: false });
      throw err;
    }

    const body = JSON.stringify(buildWebhookBody(reel, type, new Date(job.timestamp), deps.publicUrl));
    const outcome = await postWebhook(reel.callbackUrl, secret, eventId, body, deps.config.WEBHOOK_TIMEOUT_MS);
    metrics.webhookDeliveries.inc({ outcome: outcome.delivered ? 'delivered' : 'failed' });
    await record(outcome);
    const ms = Date.now() - started;
    if ('status' in outcome && outcome.delivered) {
      log.info({ status: outcome.status, ms }, 'webhook delivered');
      return { status: outcome.status };
    }
    const reason = 'status' in outcome ? `callback answered ${outcome.status}` : outcome.error;
    log.warn({ status: 'status' in outcome ? outcome.status : null, err: reason, ms }, 'webhook attempt failed');
    throw new Error(reason);
  };
}
