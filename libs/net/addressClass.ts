import { BlockList, isIP } from 'node:net';

/**
 * What an IP address reaches, as an address policy cares: `public` for globally routable unicast,
 * otherwise the special-purpose range it is in (IANA's IPv4 and IPv6 special-purpose registries).
 * The IPv6 transition ranges (NAT64, 6to4, Teredo) are classes of their own: they reach an IPv4 host
 * through a gateway, and `embeddedIpv4` says which one.
 */
export const ADDRESS_CLASSES = [
  'public',
  'unspecified',
  'loopback',
  'private',
  'link-local',
  'metadata',
  'benchmarking',
  'multicast',
  'reserved',
  'nat64',
  '6to4',
  'teredo',
] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

type Range = [address: string, prefix: number];

/** Looked up in this order: metadata hosts sit inside link-local, private and CGNAT ranges. */
const RANGES: ReadonlyArray<[Exclude<AddressClass, 'public'>, Range[]]> = [
  // AWS, GCP, Azure, Oracle instance metadata; AWS over IPv6; Alibaba; Azure's host endpoint.
  ['metadata', [['169.254.169.254', 32], ['fd00:ec2::254', 128], ['100.100.100.200', 32], ['168.63.129.16', 32]]],
  ['unspecified', [['0.0.0.0', 8], ['::', 128]]],
  ['loopback', [['127.0.0.0', 8], ['::1', 128]]],
  // RFC 1918, carrier-grade NAT (shared address space), unique local, deprecated site-local.
  ['private', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['fc00::', 7], ['fec0::', 10]]],
  ['link-local', [['169.254.0.0', 16], ['fe80::', 10]]],
  ['benchmarking', [['198.18.0.0', 15], ['2001:2::', 48]]],
  ['multicast', [['224.0.0.0', 4], ['ff00::', 8]]],
  ['nat64', [['64:ff9b::', 96], ['64:ff9b:1::', 48]]],
  ['teredo', [['2001::', 32]]],
  ['6to4', [['2002::', 16]]],
  [
    'reserved',
    [
      ['192.0.0.0', 24], // IETF protocol assignments
      ['192.0.2.0', 24], // documentation (TEST-NET-1..3)
      ['198.51.100.0', 24],
      ['203.0.113.0', 24],
      ['192.88.99.0', 24], // 6to4 relay anycast
      ['240.0.0.0', 4], // reserved, and the broadcast address
      ['100::', 64], // discard-only
      ['2001:db8::', 32], // documentation
    ],
  ],
];

const LISTS: ReadonlyArray<[Exclude<AddressClass, 'public'>, BlockList]> = RANGES.map(([cls, ranges]) => {
  const list = new BlockList();
  for (const [address, prefix] of ranges) list.addSubnet(address, prefix, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  return [cls, list];
});

/** The IPv4 address an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) IPv6 address is, else undefined. */
function ipv4Behind(groups: number[]): string | undefined {
  const zeros = groups.slice(0, 5).every((g) => g === 0);
  if (!zeros || (groups[5] !== 0xffff && groups[5] !== 0)) return undefined;
  if (groups[5] === 0 && groups[6] === 0) return undefined; // :: and ::1 are not IPv4-compatible addresses
  return dotted(groups[6]!, groups[7]!);
}

/**
 * The class of an IP address (an IPv4-mapped or -compatible IPv6 address is classed as the IPv4
 * address it is), or undefined when the text is not an IP address. Zone ids (`fe80::1%eth0`) are ignored.
 */
export function classifyAddress(text: string): AddressClass | undefined {
  const address = text.replace(/^\[|\]$/g, '').split('%')[0]!.toLowerCase();
  const version = isIP(address);
  if (version === 0) return undefined;
  if (version === 6) {
    const groups = ipv6Groups(address);
    const v4 = groups && ipv4Behind(groups);
    if (v4) return classifyAddress(v4);
  }
  const family = version === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of LISTS) if (list.check(address, family)) return cls;
  return 'public';
}

/**
 * The IPv4 host an IPv6 transition address leads to: the low 32 bits of NAT64, bits 16-47 of 6to4,
 * and Teredo's client address (the low 32 bits, inverted). Undefined for any other address.
 */
export function embeddedIpv4(text: string): string | undefined {
  const address = text.replace(/^\[|\]$/g, '').split('%')[0]!.toLowerCase();
  const cls = classifyAddress(address);
  const groups = isIP(address) === 6 ? ipv6Groups(address) : undefined;
  if (!groups) return undefined;
  if (cls === 'nat64') return dotted(groups[6]!, groups[7]!);
  if (cls === '6to4') return dotted(groups[1]!, groups[2]!);
  if (cls === 'teredo') return dotted(groups[6]! ^ 0xffff, groups[7]! ^ 0xffff);
  return undefined;
}

function dotted(high: number, low: number): string {
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
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
