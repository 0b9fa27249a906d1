import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../config.js';
import { BadInputError, errorMessage } from '../errors.js';
import { metrics } from '../metrics/metrics.js';
import { parsePayload } from '../jobs.js';
import type { Logger } from '../logger.js';
import type { ReelRecord, ReelState, WebhookAttempt } from '../reels/reel-record.js';
import type { ReelStore } from '../reels/reel-store.js';
import { assertCallbackUrlAllowed, guardedLookup } from './callback-url.js';
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

/**
 * POSTs once. Network errors and timeouts become an outcome, not an exception, so they can be recorded.
 * The connection goes to an address the SSRF guard passed (guardedLookup): the name is resolved once, for
 * this connection, so a DNS answer that changes after the check (rebinding) cannot reach an internal host.
 * Redirects are not followed (a 3xx counts as a failed attempt): they could lead past the guard.
 */
export async function postWebhook(url: string, secret: string, eventId: string, body: string, timeoutMs: number, allowPrivate: boolean): Promise<Outcome> {
  const headers = { ...webhookHeaders(secret, eventId, Math.floor(Date.now() / 1000), body), 'content-length': String(Buffer.byteLength(body)) };
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Outcome>((resolve) => {
    const req = send(target, { method: 'POST', headers, lookup: guardedLookup(allowPrivate), signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      // The response body is never used; draining it frees the connection.
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ status, delivered: status >= 200 && status < 300 });
    });
    req.on('error', (err) => resolve({ error: fetchErrorMessage(err, timeoutMs), delivered: false }));
    req.end(body);
  });
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
    const outcome = await postWebhook(reel.callbackUrl, secret, eventId, body, deps.config.WEBHOOK_TIMEOUT_MS, deps.config.WEBHOOK_ALLOW_PRIVATE);
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
