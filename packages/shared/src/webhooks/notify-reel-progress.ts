import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { isTerminal } from '../reels/reel-record.js';
import type { ReelStore } from '../reels/reel-store.js';
import { assertCallbackUrlAllowed } from './callback-url.js';
import { postWebhook, type WebhookOutcome } from './deliver-webhook.js';
import { readReelProgress, type ReelProgress } from './reel-progress.js';

/** `data` is the same object as the `progress` server-sent event's, with every shot. */
export interface ProgressWebhookBody {
  type: 'reel.progress';
  timestamp: string;
  data: ReelProgress;
}

/** What became of one call: the setting is off, another call had this interval, nothing to send, or the attempt's outcome. */
export type ProgressNotice = 'off' | 'throttled' | 'skipped' | 'delivered' | 'failed';

/**
 * Sends the reel's `reel.progress` webhook, signed as the others are, at most once per
 * PROGRESS_WEBHOOK_SECONDS per reel: the first caller of an interval takes the reel's slot in Redis
 * (SET NX EX) and every other worker returns at once. One attempt, no retry, since the next interval's
 * event supersedes it; the attempt is recorded on the reel like every webhook attempt. A finished reel
 * sends none (its completed or failed event follows).
 *
 * Never throws: workers call it without awaiting, so a chunk never waits for a receiver or fails because of it.
 */
export async function notifyReelProgress(deps: { reels: ReelStore; config: Config; log: Logger }, reelId: string): Promise<ProgressNotice> {
  const seconds = deps.config.PROGRESS_WEBHOOK_SECONDS;
  if (seconds === 0) return 'off';
  const log = deps.log.child({ reelId, webhook: 'reel.progress' });
  try {
    if (!(await deps.reels.claimProgressWebhook(reelId, seconds))) return 'throttled';
    const read = await readReelProgress(deps.reels, reelId);
    if (!read?.reel.callbackUrl || isTerminal(read.reel.state)) return 'skipped';
    const { reel, progress } = read;
    const secret = deps.config.WEBHOOK_SECRETS[reel.tenantId];
    if (!secret) {
      log.warn({ tenantId: reel.tenantId }, 'progress webhook not sent: no webhook secret configured for the tenant');
      return 'skipped';
    }

    const started = new Date();
    const eventId = `evt_${reelId}_progress_${started.getTime()}`;
    let outcome: WebhookOutcome;
    try {
      // Checked at every send, as for the other events: DNS may have changed since the reel was submitted.
      await assertCallbackUrlAllowed(reel.callbackUrl!, deps.config.WEBHOOK_ALLOW_PRIVATE);
      const body: ProgressWebhookBody = { type: 'reel.progress', timestamp: started.toISOString(), data: progress };
      outcome = await postWebhook(reel.callbackUrl!, secret, eventId, JSON.stringify(body), deps.config.WEBHOOK_TIMEOUT_MS, deps.config.WEBHOOK_ALLOW_PRIVATE);
    } catch (err) {
      outcome = { error: errorMessage(err), delivered: false };
    }
    const ms = Date.now() - started.getTime();
    await deps.reels.recordWebhookAttempt(reelId, { eventId, type: 'reel.progress', attempt: 1, at: started.toISOString(), ms, ...outcome });
    if (outcome.delivered) log.debug({ eventId, ms }, 'progress webhook delivered');
    else log.warn({ eventId, ms, ...('status' in outcome ? { status: outcome.status } : { err: outcome.error }) }, 'progress webhook not delivered');
    return outcome.delivered ? 'delivered' : 'failed';
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'progress webhook not sent');
    return 'failed';
  }
}
