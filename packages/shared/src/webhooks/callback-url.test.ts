import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertCallbackUrlAllowed, isPrivateAddress } from './callback-url.js';
import { postWebhook } from './deliver-webhook.js';

async function rejection(url: string, allowPrivate = false): Promise<unknown> {
  try {
    await assertCallbackUrlAllowed(url, allowPrivate);
  } catch (err) {
    return err;
  }
  return null;
}

describe('assertCallbackUrlAllowed', () => {
  it('allows public http and https addresses', async () => {
    await expect(assertCallbackUrlAllowed('https://93.184.215.14/hooks', false)).resolves.toBeUndefined();
    await expect(assertCallbackUrlAllowed('http://8.8.8.8:8080/x?y=1', false)).resolves.toBeUndefined();
    await expect(assertCallbackUrlAllowed('https://[2606:4700:4700::1111]/hook', false)).resolves.toBeUndefined();
  });

  it.each([
    'http://127.0.0.1:3000/hook',
    'http://127.1.2.3/',
    'http://localhost:8080/hook',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fe80::1]/',
    'http://[fd12:3456::1]/',
    'http://[ff02::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://2130706433/', // 127.0.0.1 in decimal; URL normalises it
    'http://0x7f.1/',
    // NAT64, IPv4-compatible and mapped forms of internal IPv4 hosts, and special-purpose ranges.
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[::a9fe:a9fe]/',
    'http://[::127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[2002:7f00:1::1]/', // 6to4 of 127.0.0.1
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', // Teredo
    'http://198.18.0.1/', // benchmarking, 198.18.0.0/15
    'http://198.19.255.254/',
    'http://100.64.0.1/',
    'http://192.0.2.1/', // documentation
    'http://255.255.255.255/',
    'http://[2001:db8::1]/',
  ])('rejects %s with a 422', async (url) => {
    const err = await rejection(url);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).status).toBe(422);
  });

  it('allows private addresses when asked to', async () => {
    await expect(assertCallbackUrlAllowed('http://127.0.0.1:3000/hook', true)).resolves.toBeUndefined();
    await expect(assertCallbackUrlAllowed('http://localhost/hook', true)).resolves.toBeUndefined();
  });

  it.each(['ftp://8.8.8.8/x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'https://user:pw@8.8.8.8/'])(
    'rejects %s even when private addresses are allowed',
    async (url) => {
      const err = await rejection(url, true);
      expect(err).toBeInstanceOf(BadInputError);
      expect((err as BadInputError).status).toBe(422);
    },
  );

  it('names the blocked address', async () => {
    expect(String(await rejection('http://10.0.0.7/'))).toMatch(/10\.0\.0\.7/);
  });
});

describe('isPrivateAddress', () => {
  it('tells public from private', () => {
    expect(isPrivateAddress('172.15.255.255')).toBe(false);
    expect(isPrivateAddress('172.32.0.0')).toBe(false);
    expect(isPrivateAddress('172.20.0.1')).toBe(true);
    expect(isPrivateAddress('2001:db8::1')).toBe(true);
    expect(isPrivateAddress('64:ff9b::808:808')).toBe(true);
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('2606:4700:4700::1111')).toBe(false);
    expect(isPrivateAddress('fc00::1')).toBe(true);
    expect(isPrivateAddress('not-an-ip')).toBe(false);
  });
});

describe('the webhook connection itself', () => {
  it('goes only to an address the guard passes, whatever the name resolved to when it was checked', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      // "localhost" resolves to loopback at connection time: refused there, without any earlier check.
      const refused = await postWebhook(`http://localhost:${port}/hook`, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'evt_1', '{}', 2_000, false);
      expect(refused).toMatchObject({ delivered: false, error: expect.stringMatching(/non-public address \(127\.0\.0\.1|::1\)/) });
      const allowed = await postWebhook(`http://localhost:${port}/hook`, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'evt_1', '{}', 2_000, true);
      expect(allowed).toEqual({ status: 200, delivered: true });
    } finally {
      server.close();
    }
  });
});
