import { BlockList, isIP } from 'node:net';

/**
 * Address ranges a webhook must not reach unless `channels.webhook.allowPrivateAddresses` is on:
 * the host itself, the private networks behind it, and link-local (169.254.169.254 is the cloud
 * metadata service, which hands out credentials). First match names the range in the error.
 */
const IPV4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, 'this-host (0.0.0.0/8)'],
  ['127.0.0.0', 8, 'loopback (127.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (10.0.0.0/8)'],
  ['172.16.0.0', 12, 'private (172.16.0.0/12)'],
  ['192.168.0.0', 16, 'private (192.168.0.0/16)'],
  ['169.254.0.0', 16, 'link-local (169.254.0.0/16, cloud metadata)'],
  ['100.64.0.0', 10, 'shared carrier-grade NAT (100.64.0.0/10)'],
  ['192.0.0.0', 24, 'IETF protocol assignments (192.0.0.0/24)'],
  ['198.18.0.0', 15, 'benchmarking (198.18.0.0/15)'],
  ['224.0.0.0', 4, 'multicast (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'reserved (240.0.0.0/4, broadcast included)'],
];

const IPV6_RANGES: [string, number, string][] = [
  ['::', 128, 'unspecified (::)'],
  ['::1', 128, 'loopback (::1)'],
  // IPv4-compatible (deprecated) addresses reach the IPv4 address in their last 32 bits.
  ['::', 96, 'IPv4-compatible (::/96)'],
  ['fc00::', 7, 'unique local (fc00::/7)'],
  ['fe80::', 10, 'link-local (fe80::/10)'],
  ['fec0::', 10, 'site-local (fec0::/10)'],
  ['ff00::', 8, 'multicast (ff00::/8)'],
  ['64:ff9b:1::', 48, 'local-use NAT64 (64:ff9b:1::/48)'],
];

/** `a.b.c.d` as the last 32 bits of an IPv6 address (`7f00:1` for 127.0.0.1). */
const v4AsV6Tail = (ipv4: string) => {
  const [a, b, c, d] = ipv4.split('.').map(Number) as [number, number, number, number];
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
};

/** One BlockList per range, so a match can say which range it was. */
const RANGES: { list: BlockList; name: string }[] = [];
for (const [network, prefix, name] of IPV4_RANGES) {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv4');
  // BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against IPv4 rules itself; NAT64
  // (64:ff9b::/96) embeds an IPv4 address the same way, so it gets the same ranges.
  list.addSubnet(`64:ff9b::${v4AsV6Tail(network)}`, 96 + prefix, 'ipv6');
  RANGES.push({ list, name });
}
for (const [network, prefix, name] of IPV6_RANGES) {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv6');
  RANGES.push({ list, name });
}

/**
 * The name of the non-public range an IP address lies in, or null for a public address (or text
 * that is not an IP address). Accepts IPv6 with or without brackets, IPv4-mapped and NAT64 forms
 * included (`::ffff:127.0.0.1`, `[::ffff:7f00:1]`). IPv4 in decimal, octal or hex (`2130706433`,
 * `0x7f.1`) is not an IP address to `node:net`: `new URL()` turns such hosts into dotted form first.
 */
export function privateRangeOf(address: string): string | null {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return RANGES.find((r) => r.list.check(ip, type))?.name ?? null;
}

/** The switch a refused address names: operators turn it on for receivers on their own network. */
export const ALLOW_PRIVATE_SWITCH = 'channels.webhook.allowPrivateAddresses';

/**
 * Config problems of webhook URLs whose host is a literal non-public IP while the switch is off,
 * one per URL, by its path under `channels.webhook`. Host names are checked when connecting.
 */
export function literalPrivateEndpoints(webhook: {
  allowPrivateAddresses: boolean;
  endpoints: Record<string, string>;
  users: Record<string, string>;
}): { path: string[]; message: string }[] {
  if (webhook.allowPrivateAddresses) return [];
  const problems: { path: string[]; message: string }[] = [];
  for (const block of ['endpoints', 'users'] as const) {
    for (const [name, url] of Object.entries(webhook[block])) {
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        continue; // the URL check reports it
      }
      const range = privateRangeOf(host);
      if (range) {
        problems.push({
          path: [block, name],
          message:
            `${host} is a ${range} address, and webhooks go to public addresses only; use the receiver's public URL, or set ${ALLOW_PRIVATE_SWITCH} ` +
            `to true if it is yours, on your own network`,
        });
      }
    }
  }
  return problems;
}
