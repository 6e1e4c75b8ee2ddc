import { parseDurationMs } from '../domain/duration.js';
import { parseAuthTokens, type NamedToken } from './authTokens.js';
import { ConfigError } from './configError.js';
import { MasterKeyListError, formatMasterKeyList, parseMasterKeyList } from './masterKeys.js';

export { ConfigError };

type Kind =
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'duration' }
  | { kind: 'string' }
  | { kind: 'address' }
  | { kind: 'masterKeys' }
  | { kind: 'enum'; values: readonly string[] }
  /** A list of named API tokens: a YAML sequence, or JSON in the environment. */
  | { kind: 'tokens' };

export interface Setting {
  /** Dotted YAML path, e.g. batch_replication.max_retries. */
  path: string;
  env: string;
  type: Kind;
  default?: string | number | boolean;
}

const int = (min: number, max: number): Kind => ({ kind: 'integer', min, max });

/** Every setting Ferry reads: the spec's batch_replication keys first, then Ferry's own. */
export const SETTINGS = [
  { path: 'batch_replication.enabled', env: 'FERRY_ENABLED', type: { kind: 'boolean' }, default: true },
  { path: 'batch_replication.max_concurrent_jobs', env: 'FERRY_MAX_CONCURRENT_JOBS', type: int(1, 10_000), default: 5 },
  { path: 'batch_replication.default_concurrency', env: 'FERRY_DEFAULT_CONCURRENCY', type: int(1, 1000), default: 10 },
  { path: 'batch_replication.max_retries', env: 'FERRY_MAX_RETRIES', type: int(0, 100), default: 3 },
  { path: 'batch_replication.retry_delay', env: 'FERRY_RETRY_DELAY', type: { kind: 'duration' }, default: '5s' },
  { path: 'batch_replication.history_limit', env: 'FERRY_HISTORY_LIMIT', type: int(1, 1_000_000), default: 100 },
  { path: 'batch_replication.checkpoint_interval', env: 'FERRY_CHECKPOINT_INTERVAL', type: int(1, 10_000_000), default: 1000 },
  { path: 'ferry.data_dir', env: 'FERRY_DATA_DIR', type: { kind: 'string' }, default: './.data' },
  { path: 'ferry.nats_url', env: 'NATS_URL', type: { kind: 'string' } },
  { path: 'ferry.http_addr', env: 'FERRY_HTTP_ADDR', type: { kind: 'address' }, default: '127.0.0.1:9000' },
  { path: 'ferry.grpc_addr', env: 'FERRY_GRPC_ADDR', type: { kind: 'address' }, default: '127.0.0.1:9090' },
  { path: 'ferry.api_tls.cert_file', env: 'FERRY_API_TLS_CERT', type: { kind: 'string' } },
  { path: 'ferry.api_tls.key_file', env: 'FERRY_API_TLS_KEY', type: { kind: 'string' } },
  { path: 'ferry.api_tls.client_ca_file', env: 'FERRY_API_TLS_CLIENT_CA', type: { kind: 'string' } },
  { path: 'ferry.api_tls.reload_interval', env: 'FERRY_API_TLS_RELOAD_INTERVAL', type: { kind: 'duration' }, default: '10s' },
  { path: 'ferry.metrics_addr', env: 'FERRY_METRICS_ADDR', type: { kind: 'address' } },
  { path: 'ferry.admin_token', env: 'FERRY_ADMIN_TOKEN', type: { kind: 'string' } },
  { path: 'ferry.read_token', env: 'FERRY_READ_TOKEN', type: { kind: 'string' } },
  { path: 'ferry.auth.tokens', env: 'FERRY_AUTH_TOKENS', type: { kind: 'tokens' } },
  { path: 'ferry.secret_key', env: 'FERRY_SECRET_KEY', type: { kind: 'string' } },
  { path: 'ferry.secret_keys', env: 'FERRY_SECRET_KEYS', type: { kind: 'masterKeys' } },
  { path: 'ferry.secret_key_current', env: 'FERRY_SECRET_KEY_CURRENT', type: { kind: 'string' } },
  { path: 'ferry.log_level', env: 'LOG_LEVEL', type: { kind: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] }, default: 'info' },
  { path: 'ferry.source.endpoint', env: 'FERRY_SOURCE_ENDPOINT', type: { kind: 'string' } },
  { path: 'ferry.source.access_key', env: 'FERRY_SOURCE_ACCESS_KEY', type: { kind: 'string' } },
  { path: 'ferry.source.secret_key', env: 'FERRY_SOURCE_SECRET_KEY', type: { kind: 'string' } },
  { path: 'ferry.endpoint_timeout', env: 'FERRY_ENDPOINT_TIMEOUT', type: { kind: 'duration' }, default: '120s' },
  { path: 'ferry.check_on_start', env: 'FERRY_CHECK_ON_START', type: { kind: 'boolean' }, default: true },
  { path: 'ferry.source.region', env: 'FERRY_SOURCE_REGION', type: { kind: 'string' }, default: 'us-east-1' },
  { path: 'ferry.source.tagging_count_header', env: 'FERRY_SOURCE_TAGGING_COUNT_HEADER', type: { kind: 'boolean' }, default: true },
  { path: 'ferry.source.path_style', env: 'FERRY_SOURCE_PATH_STYLE', type: { kind: 'boolean' } },
  { path: 'ferry.source.ca_bundle', env: 'FERRY_SOURCE_CA_BUNDLE', type: { kind: 'string' } },
  { path: 'ferry.source.insecure_skip_verify', env: 'FERRY_SOURCE_INSECURE_SKIP_VERIFY', type: { kind: 'boolean' }, default: false },
  { path: 'ferry.ca_bundle', env: 'AWS_CA_BUNDLE', type: { kind: 'string' } },
  { path: 'ferry.copier.slots', env: 'FERRY_COPIER_SLOTS', type: int(1, 10_000), default: 64 },
  { path: 'ferry.copier.multipart_threshold', env: 'FERRY_MULTIPART_THRESHOLD', type: int(5 * 1024 * 1024, 5 * 1024 ** 3), default: 64 * 1024 * 1024 },
  { path: 'ferry.lister.max_waiting_items', env: 'FERRY_MAX_WAITING_ITEMS', type: int(1000, 10_000_000), default: 100_000 },
  { path: 'ferry.lister.split_ranges', env: 'FERRY_LISTER_SPLIT_RANGES', type: int(1, 1024), default: 16 },
  { path: 'ferry.lister.split_min_pages', env: 'FERRY_LISTER_SPLIT_MIN_PAGES', type: int(1, 100), default: 16 },
  { path: 'ferry.copier.ack_wait', env: 'FERRY_WORK_ACK_WAIT', type: { kind: 'duration' }, default: '30s' },
  { path: 'ferry.copier.part_size', env: 'FERRY_PART_SIZE', type: int(5 * 1024 * 1024, 5 * 1024 ** 3), default: 16 * 1024 * 1024 },
  { path: 'ferry.copier.parts_in_flight', env: 'FERRY_PARTS_IN_FLIGHT', type: int(1, 64), default: 4 },
  { path: 'ferry.copier.stale_upload_age', env: 'FERRY_STALE_UPLOAD_AGE', type: { kind: 'duration' }, default: '24h' },
  { path: 'ferry.webhooks.secret', env: 'FERRY_WEBHOOK_SECRET', type: { kind: 'string' } },
  { path: 'ferry.webhooks.timeout', env: 'FERRY_WEBHOOK_TIMEOUT', type: { kind: 'duration' }, default: '10s' },
  { path: 'ferry.webhooks.retry_delay', env: 'FERRY_WEBHOOK_RETRY_DELAY', type: { kind: 'duration' }, default: '5s' },
  { path: 'ferry.webhooks.max_retry_duration', env: 'FERRY_WEBHOOK_MAX_RETRY_DURATION', type: { kind: 'duration' }, default: '24h' },
  { path: 'ferry.webhooks.allow_private_networks', env: 'FERRY_WEBHOOK_ALLOW_PRIVATE_NETWORKS', type: { kind: 'boolean' }, default: false },
  { path: 'ferry.destinations.allow_link_local', env: 'FERRY_DESTINATION_ALLOW_LINK_LOCAL', type: { kind: 'boolean' }, default: false },
  { path: 'ferry.nats.replicas', env: 'FERRY_NATS_REPLICAS', type: int(1, 5), default: 1 },
  { path: 'ferry.events.checkpoint_outcomes', env: 'FERRY_CHECKPOINT_OUTCOMES', type: int(0, 1_000_000_000), default: 1_000_000 },
  { path: 'ferry.nats.max_work_items', env: 'FERRY_MAX_WORK_ITEMS', type: int(10_000, 1_000_000_000), default: 1_000_000 },
  // How a service proves itself to NATS (one of user/password, token, NKey seed, creds file) and checks the server (TLS).
  { path: 'ferry.nats.user', env: 'NATS_USER', type: { kind: 'string' } },
  { path: 'ferry.nats.password', env: 'NATS_PASSWORD', type: { kind: 'string' } },
  { path: 'ferry.nats.token', env: 'NATS_TOKEN', type: { kind: 'string' } },
  { path: 'ferry.nats.nkey_seed_file', env: 'NATS_NKEY', type: { kind: 'string' } },
  { path: 'ferry.nats.creds_file', env: 'NATS_CREDS', type: { kind: 'string' } },
  { path: 'ferry.nats.tls.ca_file', env: 'NATS_CA', type: { kind: 'string' } },
  { path: 'ferry.nats.tls.cert_file', env: 'NATS_CERT', type: { kind: 'string' } },
  { path: 'ferry.nats.tls.key_file', env: 'NATS_KEY', type: { kind: 'string' } },
] as const satisfies readonly Setting[];

export type SettingPath = (typeof SETTINGS)[number]['path'];


/** Turns a raw YAML or environment value into the setting's type, or throws naming the key. */
export type SettingValue = string | number | boolean | NamedToken[];

export function coerce(setting: Setting, raw: unknown, origin: string): SettingValue {
  const key = origin === 'env' ? `${setting.env} (${setting.path})` : setting.path;
  const type = setting.type;
  switch (type.kind) {
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw new ConfigError(key, `must be an integer, got ${JSON.stringify(raw)}`);
      if (n < type.min || n > type.max) throw new ConfigError(key, `must be between ${type.min} and ${type.max}, got ${n}`);
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(key, `must be true or false, got ${JSON.stringify(raw)}`);
    case 'duration':
      if (typeof raw !== 'string' || parseDurationMs(raw) === undefined) {
        throw new ConfigError(key, `must be a duration such as "5s" or "500ms", got ${JSON.stringify(raw)}`);
      }
      return raw;
    case 'string':
      if (typeof raw !== 'string' && typeof raw !== 'number') throw new ConfigError(key, `must be a string, got ${JSON.stringify(raw)}`);
      return String(raw);
    case 'address': {
      const text = String(raw);
      const match = /^(.*):(\d+)$/.exec(text);
      if (!match || Number(match[2]) > 65535) throw new ConfigError(key, `must be host:port, got ${JSON.stringify(raw)}`);
      return text;
    }
    case 'masterKeys':
      // Canonical `id:hex,...` text; the reason names ids only, never key material.
      try {
        return formatMasterKeyList(parseMasterKeyList(raw));
      } catch (err) {
        if (err instanceof MasterKeyListError) throw new ConfigError(key, err.message);
        throw err;
      }
    case 'enum':
      if (typeof raw !== 'string' || !type.values.includes(raw)) {
        throw new ConfigError(key, `must be one of ${type.values.join(', ')}, got ${JSON.stringify(raw)}`);
      }
      return raw;
    case 'tokens':
      return parseAuthTokens(raw, key);
  }
}
