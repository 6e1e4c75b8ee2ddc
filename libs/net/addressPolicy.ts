import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, embeddedIpv4, type AddressClass } from './addressClass.js';

/** The address classes a kind of outbound connection may not reach. */
export interface AddressPolicy {
  refused: ReadonlySet<AddressClass>;
}

const TRANSITION: ReadonlySet<AddressClass> = new Set(['nat64', '6to4', 'teredo']);

/**
 * Webhooks go to public receivers: every other class is refused. An operator may allow private
 * networks (loopback, RFC 1918 and unique-local, CGNAT, benchmarking, and IPv6 transition addresses
 * judged by the IPv4 host they lead to); link-local, metadata, unspecified, multicast and reserved
 * addresses stay refused even then.
 */
export function webhookAddressPolicy(allowPrivateNetworks: boolean): AddressPolicy {
  const always: AddressClass[] = ['unspecified', 'link-local', 'metadata', 'multicast', 'reserved'];
  if (allowPrivateNetworks) return { refused: new Set(always) };
  return { refused: new Set([...always, 'loopback', 'private', 'benchmarking', 'nat64', '6to4', 'teredo']) };
}

/**
 * Destinations are usually on-premises S3, so private networks (and loopback) are allowed; link-local
 * and cloud-metadata addresses are refused unless the operator allows them.
 */
export function destinationAddressPolicy(allowLinkLocal: boolean): AddressPolicy {
  return { refused: new Set<AddressClass>(allowLinkLocal ? [] : ['link-local', 'metadata']) };
}

/**
 * Why the policy refuses an IP address (its class, e.g. `loopback`, or `6to4 to 10.0.0.1 (private)`),
 * or undefined when it is allowed. Text that is not an IP address is refused.
 */
export function refusalOf(address: string, policy: AddressPolicy): string | undefined {
  const cls = classifyAddress(address);
  if (cls === undefined) return 'not an IP address';
  if (policy.refused.has(cls)) return cls;
  const inner = TRANSITION.has(cls) ? embeddedIpv4(address) : undefined;
  const innerClass = inner === undefined ? undefined : classifyAddress(inner);
  if (innerClass !== undefined && policy.refused.has(innerClass)) return `${cls} to ${inner} (${innerClass})`;
  return undefined;
}

/** A URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

export type ResolvedHost =
  | { ok: true; addresses: Array<{ address: string; family: number }> }
  | { ok: false; refused: boolean; error: string };

/**
 * Resolves a host (an IP literal resolves to itself) and checks every address it resolves to:
 * one refused address refuses the host, since a connection may be made to any of them.
 */
export async function resolveChecked(host: string, policy: AddressPolicy, timeoutMs = 5000): Promise<ResolvedHost> {
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await withTimeout(lookup(host, { all: true, verbatim: true }), timeoutMs, `resolving ${host} took over ${timeoutMs} ms`);
    } catch (err) {
      return { ok: false, refused: false, error: `cannot resolve ${host}: ${(err as Error).message}` };
    }
  }
  for (const { address } of addresses) {
    const reason = refusalOf(address, policy);
    if (reason) return { ok: false, refused: true, error: `refused: ${host} resolves to ${address} (${reason})` };
  }
  if (addresses.length === 0) return { ok: false, refused: false, error: `cannot resolve ${host}` };
  return { ok: true, addresses };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
