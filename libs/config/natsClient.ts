import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { parseCaBundle } from '../domain/caBundle.js';
import { ConfigError, SETTINGS, type SettingPath } from './schema.js';
import type { NatsAuth, NatsClientConfig, NatsTls } from '../nats/clientConfig.js';

export type { NatsAuth, NatsClientConfig, NatsTls } from '../nats/clientConfig.js';

type Values = (path: SettingPath) => string | undefined;

/** `key (ENV)`, as every message about a NATS setting names it. */
function label(path: SettingPath): string {
  return `${path} (${SETTINGS.find((s) => s.path === path)!.env})`;
}

function readSetting(path: SettingPath, file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(label(path), `cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/**
 * The NATS connection's credentials and TLS from the settings, checked now so that a missing file, a
 * half-given pair or two methods at once stop the start naming the key. The values themselves are never
 * put in a message.
 */
export function natsClientConfig(opt: Values): NatsClientConfig {
  const user = opt('ferry.nats.user');
  const password = opt('ferry.nats.password');
  const token = opt('ferry.nats.token');
  const nkeyFile = opt('ferry.nats.nkey_seed_file');
  const credsFile = opt('ferry.nats.creds_file');
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError(label(user === undefined ? 'ferry.nats.user' : 'ferry.nats.password'), 'NATS_USER and NATS_PASSWORD go together');
  }
  const given = [
    user !== undefined && 'ferry.nats.user',
    token !== undefined && 'ferry.nats.token',
    nkeyFile !== undefined && 'ferry.nats.nkey_seed_file',
    credsFile !== undefined && 'ferry.nats.creds_file',
  ].filter((p): p is SettingPath => p !== false);
  if (given.length > 1) throw new ConfigError(label(given[1]!), `give one way of authenticating to NATS, not ${given.map(label).join(' and ')}`);

  let auth: NatsAuth = { kind: 'none' };
  if (user !== undefined) auth = { kind: 'user', user, password: password! };
  else if (token !== undefined) auth = { kind: 'token', token };
  else if (nkeyFile !== undefined) {
    const seed = readSetting('ferry.nats.nkey_seed_file', nkeyFile, 'NKey seed file').toString('utf8').trim();
    // A user's seed (nk -gen user, or nats-js's nkeys.createUser()): 'S' for seed, 'U' for user.
    if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new ConfigError(label('ferry.nats.nkey_seed_file'), `${nkeyFile} does not hold a user NKey seed (one line starting with SU)`);
    auth = { kind: 'nkey', seed: new TextEncoder().encode(seed), file: nkeyFile };
  } else if (credsFile !== undefined) {
    const creds = readSetting('ferry.nats.creds_file', credsFile, 'credentials file');
    const text = creds.toString('utf8');
    if (!text.includes('BEGIN NATS USER JWT') || !text.includes('BEGIN USER NKEY SEED')) {
      throw new ConfigError(label('ferry.nats.creds_file'), `${credsFile} is not a NATS .creds file (a user JWT and its NKey seed)`);
    }
    auth = { kind: 'creds', creds: new Uint8Array(creds), file: credsFile };
  }
  return { auth, ...tlsOf(opt) };
}

function tlsOf(opt: Values): { tls?: NatsTls } {
  const caFile = opt('ferry.nats.tls.ca_file');
  const certFile = opt('ferry.nats.tls.cert_file');
  const keyFile = opt('ferry.nats.tls.key_file');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(label(certFile === undefined ? 'ferry.nats.tls.cert_file' : 'ferry.nats.tls.key_file'), 'the client certificate and its key go together (NATS_CERT and NATS_KEY)');
  }
  if (caFile === undefined && certFile === undefined) return {};
  if (caFile !== undefined) {
    const pem = readSetting('ferry.nats.tls.ca_file', caFile, 'CA file').toString('utf8');
    try {
      parseCaBundle(pem);
    } catch (err) {
      throw new ConfigError(label('ferry.nats.tls.ca_file'), `${caFile} ${(err as Error).message}`);
    }
  }
  if (certFile !== undefined) {
    try {
      new X509Certificate(readSetting('ferry.nats.tls.cert_file', certFile, 'client certificate'));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(label('ferry.nats.tls.cert_file'), `${certFile} is not a PEM certificate: ${(err as Error).message}`);
    }
    try {
      createPrivateKey(readSetting('ferry.nats.tls.key_file', keyFile!, 'client key'));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      // Not the parser's message: it could quote the key.
      throw new ConfigError(label('ferry.nats.tls.key_file'), `${keyFile} is not a PEM private key without a passphrase`);
    }
  }
  return { tls: { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile, keyFile: keyFile! } : {}) } };
}
