import { isIP } from 'node:net';

/** Why an address may not receive webhooks by default, or undefined when it is public. */
export function refusedAddressReason(address: string): string | undefined {
  const version = isIP(address);
  if (version === 4) return ipv4Reason(address);
  if (version === 6) return ipv6Reason(address.toLowerCase());
  return 'not an IP address';
}

function ipv4Reason(address: string): string | undefined {
  const [a, b] = address.split('.').map(Number) as [number, number, number, number];
  if (address === '169.254.169.254') return 'metadata';
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT, 100.64/10
  if (a >= 224) return 'multicast or reserved';
  return undefined;
}

function ipv6Reason(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return 'malformed';
  if (groups.every((g) => g === 0)) return 'unspecified';
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses reach the IPv4 host.
  if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || groups[5] === 0)) {
    const v4 = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
    return ipv4Reason(v4);
  }
  const first = groups[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'private';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xff00) === 0xff00) return 'multicast or reserved';
  if (first === 0xfd00 && groups[1] === 0xec2) return 'metadata';
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (zone ids dropped, embedded IPv4 converted). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<number>(Math.max(0, fill)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
