import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { nkeys } from 'nats';

/**
 * NATS decentralised auth (operator mode) without `nsc`: an operator, a system account, an account with
 * JetStream and a user, as NATS JWTs signed with NKeys (the claim layout of github.com/nats-io/jwt v2).
 * A JWT is base64url(header).base64url(claims).base64url(ed25519 signature by the issuer over the first two).
 */

type KeyPair = ReturnType<typeof nkeys.createOperator>;
type Nats = { type: 'operator' | 'account' | 'user'; [field: string]: unknown };

const text = new TextEncoder();
const base64url = (bytes: Uint8Array | string) => Buffer.from(typeof bytes === 'string' ? text.encode(bytes) : bytes).toString('base64url');

/**
 * The claims' `jti`, made as the Go library makes it: SHA-512/256 over the JSON of the standard claims with
 * `jti` left out, base32 without padding. nats-server's decoder (jwt v2 `Decode`) checks the header, the
 * signature and the issuer's key type, never the jti; it is kept the library's so the tokens look like nsc's.
 */
function claimsId(claims: { iat: number; iss: string; name: string; sub: string }): string {
  const digest = createHash('sha512-256').update(JSON.stringify({ iat: claims.iat, iss: claims.iss, name: claims.name, sub: claims.sub })).digest();
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

/** A NATS JWT for `subject`'s public key with these `nats` claims, signed by `issuer`. */
export function signNatsJwt(issuer: KeyPair, subject: string, name: string, nats: Nats): string {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const standard = { iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject };
  const claims = base64url(JSON.stringify({ jti: claimsId(standard), ...standard, nats: { ...nats, version: 2 } }));
  return `${header}.${claims}.${base64url(issuer.sign(text.encode(`${header}.${claims}`)))}`;
}

/** An account's limits: everything unlimited, and JetStream enabled (non-zero storage is what enables it). */
const UNLIMITED_WITH_JETSTREAM = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
};

export interface NatsAccount {
  keys: KeyPair;
  publicKey: string;
  jwt: string;
}

export interface OperatorSetup {
  operatorJwt: string;
  system: NatsAccount;
  /** The account Ferry's user belongs to, JetStream enabled. */
  account: NatsAccount;
}

/** An operator naming its system account, that system account, and one JetStream account, all signed by the operator. */
export function makeOperatorSetup(): OperatorSetup {
  const operator = nkeys.createOperator();
  const account = (name: string, limits: Record<string, number | boolean>): NatsAccount => {
    const keys = nkeys.createAccount();
    const publicKey = keys.getPublicKey();
    return { keys, publicKey, jwt: signNatsJwt(operator, publicKey, name, { type: 'account', limits, default_permissions: { pub: {}, sub: {} } }) };
  };
  // The system account carries the server's own traffic; it needs no JetStream, so none is given to it.
  const system = account('SYS', { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 });
  return {
    operatorJwt: signNatsJwt(operator, operator.getPublicKey(), 'ferry-test-operator', { type: 'operator', system_account: system.publicKey }),
    system,
    account: account('FERRY', UNLIMITED_WITH_JETSTREAM),
  };
}

export interface NatsUser {
  jwt: string;
  seed: string;
}

/** A user of `account`, signed by that account's key, with no permission limits. */
export function makeUser(account: KeyPair, name: string): NatsUser {
  const user = nkeys.createUser();
  const jwt = signNatsJwt(account, user.getPublicKey(), name, { type: 'user', pub: {}, sub: {}, subs: -1, data: -1, payload: -1 });
  return { jwt, seed: new TextDecoder().decode(user.getSeed()) };
}

/** The `.creds` file nsc writes: the user's JWT, then its seed. */
export function writeCredsFile(path: string, { jwt, seed }: NatsUser): void {
  writeFileSync(
    path,
    `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
      '************************* IMPORTANT *************************\n' +
      'NKEY Seed printed below can be used to sign and prove identity.\n' +
      'NKEYs are sensitive and should be treated as secrets.\n\n' +
      `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n\n` +
      '*************************************************************\n',
    { mode: 0o600 },
  );
}
