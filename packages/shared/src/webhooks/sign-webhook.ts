/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signature is
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, the key being the base64 part of `whsec_…`.
 * Receivers can verify with any Standard Webhooks library.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

// A type alias rather than an interface so it is assignable to fetch's and Node's header records.
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': string;
};

/** Node's IncomingHttpHeaders, a plain record, or a fetch Headers object. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('webhook secret must start with "whsec_"');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** A fresh secret for a tenant: 24 random bytes, as Standard Webhooks libraries generate. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

export function signWebhook(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${msgId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function webhookHeaders(secret: string, msgId: string, timestampSeconds: number, body: string): WebhookHeaders {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secret, msgId, timestampSeconds, body),
    'content-type': 'application/json',
  };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * True when one of the `v1,` signatures matches and the timestamp is within `toleranceSeconds` of now
 * (either side), so a captured request cannot be replayed later.
 */
export function verifyWebhook(
  secret: string,
  headers: HeaderSource,
  body: string,
  opts: { toleranceSeconds?: number; now?: Date } = {},
): boolean {
  const msgId = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!msgId || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;

  const ts = Number(timestamp);
  const nowSeconds = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - ts) > (opts.toleranceSeconds ?? 300)) return false;

  let expected: Buffer;
  try {
    expected = Buffer.from(signWebhook(secret, msgId, ts, body).slice('v1,'.length), 'base64');
  } catch {
    return false;
  }
  // Several signatures are allowed so a sender can sign with an old and a new secret during rotation.
  return signatures.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const got = Buffer.from(value, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
