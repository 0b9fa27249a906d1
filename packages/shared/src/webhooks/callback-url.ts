/**
 * SSRF guard for callback URLs: a tenant must not be able to make our workers POST into the cluster
 * network, the cloud metadata service or localhost.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { BadInputError } from '../errors.js';

/**
 * Whether an address is anything but public unicast: private, loopback, link-local (the cloud metadata
 * service), carrier-grade NAT, multicast, reserved, benchmarking (198.18.0.0/15), documentation, and every
 * other special-purpose range ipaddr.js knows. IPv6 forms that carry an IPv4 address (mapped, the deprecated
 * compatible form, NAT64 64:ff9b::/96, SIIT, 6to4, Teredo) are refused whole: a webhook receiver has no need
 * of them, and each can lead to an internal IPv4 host. Not an IP address at all: false.
 */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') return ip.range() !== 'unicast';
  const v6 = ip as ipaddr.IPv6;
  // ::/96 (unspecified, loopback, IPv4-compatible) is not a range of its own in ipaddr.js.
  if (v6.parts.slice(0, 6).every((p) => p === 0)) return true;
  return v6.range() !== 'unicast';
}

function parseCallbackUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadInputError('callbackUrl is not a valid URL', 422);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new BadInputError('callbackUrl must use http or https', 422);
  }
  if (parsed.username || parsed.password) throw new BadInputError('callbackUrl must not contain credentials', 422);
  return parsed;
}

async function resolveHost(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (err) {
    // A name that does not exist is the client's mistake; other DNS errors are transient and propagate.
    if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND') {
      throw new BadInputError(`callbackUrl host "${host}" does not resolve`, 422, { cause: err });
    }
    throw err;
  }
}

/**
 * Throws BadInputError (422) unless `url` is http(s) without credentials and, unless `allowPrivate`,
 * every address its host resolves to is public. Checking every address stops a name that resolves
 * to both a public and a private address.
 */
export async function assertCallbackUrlAllowed(url: string, allowPrivate: boolean): Promise<void> {
  const parsed = parseCallbackUrl(url);
  if (allowPrivate) return;
  // URL keeps IPv6 literals in brackets.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = await resolveHost(host);
  const blocked = addresses.find(isPrivateAddress);
  if (blocked !== undefined) {
    throw new BadInputError(`callbackUrl host "${host}" resolves to a non-public address (${blocked})`, 422);
  }
}

/**
 * dns.lookup for a webhook's own connection: it resolves the host once and refuses when any address is not
 * public, so the socket connects only where the guard allowed. (An IP literal is never looked up; the guard
 * checked it before the attempt.)
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, found) => {
      const addresses = found as unknown as LookupAddress[];
      if (err) return callback(err, '', 0);
      const blocked = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (blocked) {
        const refused = Object.assign(new Error(`callbackUrl host "${hostname}" resolves to a non-public address (${blocked.address})`), { code: 'EADDRNOTPUBLIC' });
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
