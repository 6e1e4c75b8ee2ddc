import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MasterKeysConfig } from '../../libs/config/index.js';
import { MasterKeyRing } from '../../libs/secrets/index.js';

/** Reads a generated secret from the data dir, creating it (mode 0600) the first time. */
function persistedSecret(dataDir: string, name: string, make: () => string): { value: string; created: boolean } {
  const path = join(dataDir, name);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), created: false };
  mkdirSync(dataDir, { recursive: true });
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

export function adminTokenFor(dataDir: string, configured: string | undefined): { token: string; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  const { value, created } = persistedSecret(dataDir, 'admin-token', () => randomBytes(24).toString('base64url'));
  return { token: value, generated: created };
}

/** The configured master keys, else one generated into the data dir (with the id ferry.secret_key would have). */
export function masterKeysFor(dataDir: string, configured: MasterKeysConfig | undefined): MasterKeyRing {
  if (configured) return new MasterKeyRing(configured.keys, configured.current);
  return MasterKeyRing.single(persistedSecret(dataDir, 'secret.key', () => randomBytes(32).toString('hex')).value);
}
