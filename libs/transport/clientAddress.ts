import { timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';

/** Metadata the REST gateway adds to each call it forwards: its key, and the address of the HTTP client. */
export const GATEWAY_KEY_HEADER = 'x-ferry-gateway-key';
export const FORWARDED_FOR_HEADER = 'x-forwarded-for';

/**
 * The address a call comes from: the HTTP client's for a call the gateway forwarded (which it
 * proves with the key it shares with this server in-process, so no other client can claim an
 * address), otherwise the gRPC peer's, without its port.
 */
export function clientAddress(call: { metadata: grpc.Metadata; getPeer(): string }, gatewayKey: string | undefined): string {
  if (gatewayKey !== undefined) {
    const key = call.metadata.get(GATEWAY_KEY_HEADER)[0];
    const forwarded = call.metadata.get(FORWARDED_FOR_HEADER)[0];
    if (typeof key === 'string' && typeof forwarded === 'string' && sameKey(key, gatewayKey)) return forwarded;
  }
  return withoutPort(call.getPeer());
}

function sameKey(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `127.0.0.1:5000` → `127.0.0.1`, `[::1]:5000` → `::1`, `ipv4:10.0.0.1:5000` → `10.0.0.1`. */
export function withoutPort(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[(.*)\]:\d+$/.exec(bare);
  if (bracketed) return bracketed[1]!;
  const hostPort = /^([^:]+):\d+$/.exec(bare);
  return hostPort ? hostPort[1]! : bare;
}
