import { ConfigError } from './configError.js';

/** One entry of ferry.auth.tokens: exactly one of `token` and `token_sha256`. */
export interface NamedToken {
  name: string;
  role: 'admin' | 'read';
  token?: string;
  token_sha256?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const FIELDS = new Set(['name', 'role', 'token', 'token_sha256']);
/** The names ferry.admin_token and ferry.read_token are recorded under. */
const LEGACY_TOKEN_NAMES = ['admin', 'read'] as const;
export const MIN_TOKEN_LENGTH = 16;

/**
 * ferry.auth.tokens from YAML (a list) or FERRY_AUTH_TOKENS (the same list as JSON), each entry checked
 * and named in the error by its index: `key[2].role`.
 */
export function parseAuthTokens(raw: unknown, key: string): NamedToken[] {
  let list = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      throw new ConfigError(key, `must be a JSON list of { name, role, token | token_sha256 }: ${err.message}`);
    }
  }
  if (!Array.isArray(list)) throw new ConfigError(key, 'must be a list of { name, role, token | token_sha256 }');
  const names = new Set<string>();
  return list.map((entry: unknown, i) => {
    const at = `${key}[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new ConfigError(at, 'must be a mapping with name, role and token or token_sha256');
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).find((k) => !FIELDS.has(k));
    if (unknown !== undefined) throw new ConfigError(`${at}.${unknown}`, 'unknown key');
    if (typeof e.name !== 'string' || !NAME.test(e.name)) throw new ConfigError(`${at}.name`, `must be 1-64 letters, digits or ._@- (it is recorded as the actor), got ${JSON.stringify(e.name)}`);
    if ((LEGACY_TOKEN_NAMES as readonly string[]).includes(e.name)) throw new ConfigError(`${at}.name`, `${e.name} is the name of ferry.${e.name}_token; choose another`);
    if (names.has(e.name)) throw new ConfigError(`${at}.name`, `${e.name} is given twice`);
    names.add(e.name);
    if (e.role !== 'admin' && e.role !== 'read') throw new ConfigError(`${at}.role`, `must be admin or read, got ${JSON.stringify(e.role)}`);
    if ((e.token === undefined) === (e.token_sha256 === undefined)) throw new ConfigError(at, 'give exactly one of token and token_sha256');
    if (e.token !== undefined) {
      if (typeof e.token !== 'string' || e.token.length < MIN_TOKEN_LENGTH || /\s/.test(e.token)) {
        throw new ConfigError(`${at}.token`, `must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
      }
      return { name: e.name, role: e.role, token: e.token };
    }
    if (typeof e.token_sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(e.token_sha256)) {
      throw new ConfigError(`${at}.token_sha256`, 'must be the token\'s SHA-256 as 64 hex characters (printf %s "$TOKEN" | sha256sum)');
    }
    return { name: e.name, role: e.role, token_sha256: e.token_sha256.toLowerCase() };
  });
}
