import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { FerryError } from '../domain/errors.js';
import { isReadOnlyMethod } from './readOnlyMethods.js';
import type { CallContext, Role, TokenConfig } from './types.js';

export type Authorizer = (metadata: grpc.Metadata, rpc: string) => CallContext;

/**
 * Tokens are compared as SHA-256 digests so every comparison is between
 * equal-length buffers, and every configured token is checked so the time
 * taken does not reveal which one matched.
 */
export function createAuthorizer(tokens: TokenConfig[]): Authorizer {
  if (tokens.some((t) => t.token.length === 0)) throw new Error('auth tokens must not be empty');
  const known = tokens.map((t) => ({ digest: digest(t.token), role: t.role }));

  return (metadata, rpc) => {
    const presented = bearerToken(metadata);
    if (presented === undefined) throw new FerryError('UNAUTHENTICATED', 'missing bearer token');
    const presentedDigest = digest(presented);
    let role: Role | undefined;
    for (const k of known) {
      if (timingSafeEqual(k.digest, presentedDigest) && role !== 'admin') role = k.role;
    }
    if (!role) throw new FerryError('UNAUTHENTICATED', 'unknown bearer token');
    if (role !== 'admin' && !isReadOnlyMethod(rpc)) {
      throw new FerryError('PERMISSION_DENIED', `a ${role} token may not call ${rpc}`);
    }
    return { role };
  };
}

function bearerToken(metadata: grpc.Metadata): string | undefined {
  const values = metadata.get('authorization');
  if (values.length !== 1 || typeof values[0] !== 'string') return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(values[0]);
  return match?.[1];
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
