/**
 * SSRF guard for callback URLs: a tenant must not be able to make our workers POST into the cluster
 * network, the cloud metadata service or localhost.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BadInputError } from '../errors.js';

function blockedAddresses(): BlockList {
  const list = new BlockList();
  const v4: [string, number][] = [
    ['0.0.0.0', 8], // unspecified / "this network"
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // carrier-grade NAT, often used for cluster networks
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, includes the cloud metadata service
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, includes broadcast
  ];
  const v6: [string, number][] = [
    ['::', 128], // unspecified
    ['::1', 128],
    ['fe80::', 10], // link-local
    ['fc00::', 7], // unique local
    ['ff00::', 8], // multicast
  ];
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

// BlockList also matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 rules.
const BLOCKED = blockedAddresses();

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
