import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FerryConfig, MasterKeysConfig } from '../../libs/config/index.js';
import { MasterKeyRing } from '../../libs/secrets/index.js';
import type { TokenConfig } from '../../libs/transport/index.js';

/** Reads a generated secret from the data dir, creating it (mode 0600) the first time. */
function persistedSecret(dataDir: string, name: string, make: () => string): { value: string; created: boolean } {
  const path = join(dataDir, name);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), created: false };
  mkdirSync(dataDir, { recursive: true });
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

function adminTokenFor(dataDir: string, configured: string | undefined): { token: string; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  const { value, created } = persistedSecret(dataDir, 'admin-token', () => randomBytes(24).toString('base64url'));
  return { token: value, generated: created };
}

/**
 * The API's tokens: ferry.admin_token (named admin) and ferry.read_token (named read), then ferry.auth.tokens.
 * An admin token is generated into the data dir (and `generated` set) only when no admin token is configured
 * either way, so `make run` has one and a deployment with named tokens has no anonymous one.
 */
export function apiTokensFor(dataDir: string, config: Pick<FerryConfig, 'adminToken' | 'readToken' | 'authTokens'>): { tokens: TokenConfig[]; generated?: { token: string; path: string } } {
  const tokens: TokenConfig[] = [];
  let generated: { token: string; path: string } | undefined;
  if (config.adminToken !== undefined || !config.authTokens.some((t) => t.role === 'admin')) {
    const admin = adminTokenFor(dataDir, config.adminToken);
    tokens.push({ name: 'admin', role: 'admin', token: admin.token });
    if (admin.generated) generated = { token: admin.token, path: join(dataDir, 'admin-token') };
  }
  if (config.readToken !== undefined) tokens.push({ name: 'read', role: 'read', token: config.readToken });
  return { tokens: [...tokens, ...config.authTokens], generated };
}

/** The configured master keys, else one generated into the data dir (with the id ferry.secret_key would have). */
export function masterKeysFor(dataDir: string, configured: MasterKeysConfig | undefined): MasterKeyRing {
  if (configured) return new MasterKeyRing(configured.keys, configured.current);
  return MasterKeyRing.single(persistedSecret(dataDir, 'secret.key', () => randomBytes(32).toString('hex')).value);
}
