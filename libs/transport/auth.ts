import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { FerryError } from '../domain/errors.js';
import { isReadOnlyMethod } from './readOnlyMethods.js';
import type { CallContext, Role, TokenConfig } from './types.js';

export type Authorizer = (metadata: grpc.Metadata, rpc: string) => CallContext;

/** A bearer token was presented and matches none configured: a guess, as far as Ferry can tell. */
export class UnknownBearerToken extends FerryError {
  constructor() {
    super('UNAUTHENTICATED', 'unknown bearer token');
  }
}

/**
 * Tokens are compared as SHA-256 digests so every comparison is between
 * equal-length buffers (and a token may be configured as its digest alone),
 * and every configured token is checked so the time taken does not reveal
 * which one matched.
 */
export function createAuthorizer(tokens: TokenConfig[]): Authorizer {
  const known = tokens.map((t) => ({ digest: digestOf(t), role: t.role, name: t.name }));
  const names = new Set(known.map((k) => k.name));
  if (names.size !== known.length) throw new Error('auth token names must be unique');

  return (metadata, rpc) => {
    const presented = bearerToken(metadata);
    if (presented === undefined) throw new FerryError('UNAUTHENTICATED', 'missing bearer token');
    const presentedDigest = sha256(presented);
    let match: { role: Role; name: string } | undefined;
    for (const k of known) {
      if (timingSafeEqual(k.digest, presentedDigest) && match?.role !== 'admin') match = k;
    }
    if (!match) throw new UnknownBearerToken();
    if (match.role !== 'admin' && !isReadOnlyMethod(rpc)) {
      throw new FerryError('PERMISSION_DENIED', `a ${match.role} token may not call ${rpc}`);
    }
    return { role: match.role, actor: match.name };
  };
}

function digestOf(t: TokenConfig): Buffer {
  if (!t.name) throw new Error('auth tokens must be named');
  if ((t.token === undefined) === (t.token_sha256 === undefined)) throw new Error(`auth token ${t.name}: give exactly one of token and token_sha256`);
  if (t.token !== undefined) {
    if (t.token.length === 0) throw new Error(`auth token ${t.name} must not be empty`);
    return sha256(t.token);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(t.token_sha256!)) throw new Error(`auth token ${t.name}: token_sha256 must be 64 hex characters`);
  return Buffer.from(t.token_sha256!, 'hex');
}

function bearerToken(metadata: grpc.Metadata): string | undefined {
  const values = metadata.get('authorization');
  if (values.length !== 1 || typeof values[0] !== 'string') return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(values[0]);
  return match?.[1];
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
