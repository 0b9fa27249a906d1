import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './sign-webhook.js';

// The published Standard Webhooks test vector.
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const timestamp = 1614265330;
const body = '{"test": 2432232314}';
const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const now = new Date(timestamp * 1000);

describe('signWebhook', () => {
  it('matches the Standard Webhooks test vector', () => {
    expect(signWebhook(secret, msgId, timestamp, body)).toBe(signature);
  });

  it('builds the three headers and the content type', () => {
    expect(webhookHeaders(secret, msgId, timestamp, body)).toEqual({
      'webhook-id': msgId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
      'content-type': 'application/json',
    });
  });

  it('refuses a secret without the whsec_ prefix', () => {
    expect(() => signWebhook('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', msgId, timestamp, body)).toThrow(/whsec_/);
  });

  it('generates 24-byte secrets that sign and verify', () => {
    const s = generateWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(24);
    expect(generateWebhookSecret()).not.toBe(s);
    expect(verifyWebhook(s, webhookHeaders(s, msgId, timestamp, body), body, { now })).toBe(true);
  });
});

describe('verifyWebhook', () => {
  const headers = { 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };

  it('accepts the test vector', () => {
    expect(verifyWebhook(secret, headers, body, { now })).toBe(true);
  });

  it('accepts a fetch Headers object and mixed-case keys', () => {
    expect(verifyWebhook(secret, new Headers(headers), body, { now })).toBe(true);
    expect(verifyWebhook(secret, { 'Webhook-Id': msgId, 'Webhook-Timestamp': String(timestamp), 'Webhook-Signature': signature }, body, { now })).toBe(true);
  });

  it('accepts when any of several space-separated signatures matches', () => {
    const several = `v1,${Buffer.alloc(32).toString('base64')} v2,abc ${signature}`;
    expect(verifyWebhook(secret, { ...headers, 'webhook-signature': several }, body, { now })).toBe(true);
  });

  it('rejects a tampered body', () => {
    expect(verifyWebhook(secret, headers, '{"test": 2432232315}', { now })).toBe(false);
  });

  it('rejects a wrong secret', () => {
    expect(verifyWebhook(generateWebhookSecret(), headers, body, { now })).toBe(false);
  });

  it('rejects a changed id', () => {
    expect(verifyWebhook(secret, { ...headers, 'webhook-id': 'msg_other' }, body, { now })).toBe(false);
  });

  it('rejects stale and future timestamps outside the tolerance', () => {
    expect(verifyWebhook(secret, headers, body, { now: new Date((timestamp + 301) * 1000) })).toBe(false);
    expect(verifyWebhook(secret, headers, body, { now: new Date((timestamp - 301) * 1000) })).toBe(false);
    expect(verifyWebhook(secret, headers, body, { now: new Date((timestamp + 299) * 1000) })).toBe(true);
    expect(verifyWebhook(secret, headers, body, { now: new Date((timestamp + 3600) * 1000), toleranceSeconds: 7200 })).toBe(true);
  });

  it('rejects missing or malformed headers', () => {
    expect(verifyWebhook(secret, { ...headers, 'webhook-signature': undefined }, body, { now })).toBe(false);
    expect(verifyWebhook(secret, { ...headers, 'webhook-timestamp': 'yesterday' }, body, { now })).toBe(false);
    expect(verifyWebhook(secret, { ...headers, 'webhook-signature': signature.replace('v1,', 'v2,') }, body, { now })).toBe(false);
    expect(verifyWebhook(secret, { ...headers, 'webhook-signature': 'v1,' }, body, { now })).toBe(false);
    expect(verifyWebhook('not-a-secret', headers, body, { now })).toBe(false);
  });
});
