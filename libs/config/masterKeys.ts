import { DEFAULT_MASTER_KEY_ID, MASTER_KEY_ID_PATTERN, type MasterKeySpec } from '../secrets/masterKeys.js';

/** The master keys sealing data keys, and the id of the one new data keys are sealed under. */
export interface MasterKeysConfig {
  keys: MasterKeySpec[];
  current: string;
}

/** Raised with a reason that never quotes key material; the caller names the setting. */
export class MasterKeyListError extends Error {
  override name = 'MasterKeyListError';
}

function checked(entries: Array<{ id: string; key: string }>): MasterKeySpec[] {
  if (entries.length === 0) throw new MasterKeyListError('must list at least one key');
  const seen = new Set<string>();
  for (const { id, key } of entries) {
    if (!MASTER_KEY_ID_PATTERN.test(id)) throw new MasterKeyListError(`key id ${JSON.stringify(id.slice(0, 80))} must be 1 to 64 letters, digits, '.', '_' or '-'`);
    if (!/^[0-9a-fA-F]{64}$/.test(key)) throw new MasterKeyListError(`key "${id}" must be 64 hex characters (a 256-bit key)`);
    if (seen.has(id)) throw new MasterKeyListError(`key id "${id}" is given twice`);
    seen.add(id);
  }
  return entries;
}

/**
 * `ferry.secret_keys`: FERRY_SECRET_KEYS's `ID:HEX,ID:HEX`, or in YAML that string or a list of
 * `{ id, key }` mappings.
 */
export function parseMasterKeyList(raw: unknown): MasterKeySpec[] {
  if (typeof raw === 'string') {
    return checked(
      raw.split(',').map((part, i) => {
        const colon = part.indexOf(':');
        if (colon < 0) throw new MasterKeyListError(`entry ${i + 1} must be ID:KEY (64 hex characters after the colon)`);
        return { id: part.slice(0, colon).trim(), key: part.slice(colon + 1).trim() };
      }),
    );
  }
  if (!Array.isArray(raw)) throw new MasterKeyListError('must be a list of { id, key } or a string ID:KEY,ID:KEY');
  return checked(
    raw.map((item: unknown, i) => {
      const fields = item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined;
      const { id, key, ...extra } = fields ?? {};
      const unknown = Object.keys(extra);
      if (!fields || unknown.length > 0 || (typeof id !== 'string' && typeof id !== 'number') || typeof key !== 'string') {
        throw new MasterKeyListError(`entry ${i + 1} must be a mapping of exactly id and key${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`);
      }
      return { id: String(id), key };
    }),
  );
}

/** The one text form a list is kept in between coercion and loadConfig. */
export function formatMasterKeyList(keys: readonly MasterKeySpec[]): string {
  return keys.map(({ id, key }) => `${id}:${key}`).join(',');
}

export { DEFAULT_MASTER_KEY_ID };
