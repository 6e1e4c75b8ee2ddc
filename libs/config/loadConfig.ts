import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDurationMs } from '../domain/duration.js';
import { parseCaBundle } from '../domain/caBundle.js';
import { checkServingCertificate, ServingCertificateError, type ServingCertificatePart } from '../domain/servingCertificate.js';
import { ConfigError, SETTINGS, coerce, type Setting, type SettingPath, type SettingValue } from './schema.js';
import { MIN_TOKEN_LENGTH, type NamedToken } from './authTokens.js';
import { DEFAULT_MASTER_KEY_ID, parseMasterKeyList, type MasterKeysConfig } from './masterKeys.js';
import { natsClientConfig, type NatsClientConfig } from './natsClient.js';

export interface S3EndpointConfig {
  endpoint: string;
  /** Both '' when not configured: the default credential chain is used then. */
  accessKey: string;
  secretKey: string;
  region: string;
  /** false: the endpoint omits x-amz-tagging-count on tagged objects, so tags are fetched per object. */
  taggingCountHeader: boolean;
  /** false: virtual-hosted-style requests; unset: virtual-hosted for AWS hosts, path-style elsewhere. */
  pathStyle?: boolean;
  /** ca: PEM certificates trusted besides Node's roots (ferry.source.ca_bundle's file); insecureSkipVerify: no certificate check. */
  tls?: { ca?: string; insecureSkipVerify?: boolean };
}

/** TLS on the API's two ports (README "TLS on the API"); the files are read again when they change. */
export interface ApiTlsConfig {
  certFile: string;
  keyFile: string;
  /** Set: mutual TLS, a client must present a certificate this CA signed. */
  clientCaFile?: string;
  /** How often the files are looked at for a renewed certificate. */
  reloadIntervalMs: number;
}

export interface FerryConfig {
  batch: {
    enabled: boolean;
    maxConcurrentJobs: number;
    defaultConcurrency: number;
    maxRetries: number;
    retryDelayMs: number;
    historyLimit: number;
    checkpointInterval: number;
  };
  dataDir: string;
  natsUrl?: string;
  /** NATS credentials and TLS (ferry.nats.user, .token, .nkey_seed_file, .creds_file, .tls.*); never logged. */
  nats: NatsClientConfig;
  httpAddr: string;
  grpcAddr: string;
  /** Unset: both API ports speak plain text. */
  apiTls?: ApiTlsConfig;
  metricsAddr?: string;
  adminToken?: string;
  readToken?: string;
  /** ferry.auth.tokens: named tokens besides the two above, whose names are admin and read. */
  authTokens: NamedToken[];
  /** Unset when no key is configured: a key generated into the data dir is used then (`make run`). */
  masterKeys?: MasterKeysConfig;
  logLevel: string;
  /** Unset until the embedded endpoint is started or FERRY_SOURCE_ENDPOINT is given. */
  source?: S3EndpointConfig;
  sourceRegion: string;
  /** AWS_CA_BUNDLE (ferry.ca_bundle): PEM certificates every endpoint without a CA of its own trusts besides Node's roots. */
  caBundle?: string;
  /** An S3 endpoint's socket silent this long fails the request (source and destinations alike). */
  endpointTimeoutMs: number;
  /** StartJob and RetryFailed first check both buckets (reachable, existing, listable) and refuse with a 4xx if not. */
  checkOnStart: boolean;
  /** partsInFlight: parts of one multipart copy sent at once (memory: (partsInFlight + 1) × part size per object). */
  /** staleUploadAgeMs: a recorded multipart upload not written for this long is aborted by a copier's start-up sweep. */
  copier: { slots: number; multipartThreshold: number; partSize: number; partsInFlight: number; ackWaitMs: number; staleUploadAgeMs: number };
  /** Most work items of one run the lister leaves waiting in the work stream before it pauses listing. */
  listerMaxWaitingItems: number;
  /** Ranges a large run's key space is cut into, for listers to list at once (1: never split). */
  listerSplitRanges: number;
  /** A run whose listing ends within this many pages is listed whole, not cut into ranges. */
  listerSplitMinPages: number;
  natsReplicas: number;
  /** Cap on the work stream (all jobs together); listers keep each job far below it. */
  natsMaxWorkItems: number;
  /** Outcomes since a running run's last mid-run checkpoint that trigger the next one (0: never): bounds the outcome batches kept per run. */
  checkpointOutcomes: number;
  webhooks: { secret?: string; timeoutMs: number; retryDelayMs: number; maxRetryDurationMs: number; allowPrivateNetworks: boolean };
  /** Link-local and cloud-metadata destination endpoints are refused unless allowed. */
  destinations: { allowLinkLocal: boolean };
}

function lookup(tree: unknown, path: string): unknown {
  let node = tree;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Rejects YAML keys Ferry does not know, so a misspelt key is never silently ignored. */
function checkUnknownKeys(tree: unknown, prefix = ''): void {
  if (tree === null) return; // an empty section
  // A section given as a scalar or a list would otherwise be ignored whole, defaults and all.
  if (typeof tree !== 'object' || Array.isArray(tree)) throw new ConfigError(prefix || 'config', 'must be a mapping of keys');
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const known = SETTINGS.some((s) => s.path === path || s.path.startsWith(`${path}.`));
    if (!known) throw new ConfigError(path, 'unknown key');
    if (!SETTINGS.some((s) => s.path === path)) checkUnknownKeys(value, path);
  }
}

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads the YAML file (if any), applies environment overrides and validates every value. */
export function loadConfig({ file, env = process.env }: ConfigSources = {}): FerryConfig {
  const path = file ?? env.FERRY_CONFIG;
  let tree: unknown = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError('config', `cannot read ${path}: ${(err as Error).message}`);
    }
    try {
      tree = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError('config', `${path} is not valid YAML: ${(err as Error).message}`);
    }
    checkUnknownKeys(tree);
  }
  const values = new Map<SettingPath, SettingValue | undefined>();
  for (const setting of SETTINGS as readonly Setting[]) {
    const fromEnv = env[setting.env];
    const fromFile = lookup(tree, setting.path);
    let value: SettingValue | undefined = setting.default;
    if (fromFile !== undefined && fromFile !== null) value = coerce(setting, fromFile, 'file');
    if (fromEnv !== undefined && fromEnv !== '') value = coerce(setting, fromEnv, 'env');
    values.set(setting.path as SettingPath, value);
  }
  const get = <T>(p: SettingPath) => values.get(p) as T;
  const opt = (p: SettingPath) => values.get(p) as string | undefined;

  const staleUploadAgeMs = parseDurationMs(get<string>('ferry.copier.stale_upload_age'))!;
  // Shorter than a part's copy, and a sweep would abort uploads live copiers are still writing.
  if (staleUploadAgeMs < 60_000) throw new ConfigError('ferry.copier.stale_upload_age', `must be at least 1m (FERRY_STALE_UPLOAD_AGE), got ${get<string>('ferry.copier.stale_upload_age')}`);
  const endpoint = opt('ferry.source.endpoint');
  const accessKey = opt('ferry.source.access_key');
  const secretKey = opt('ferry.source.secret_key');
  const region = get<string>('ferry.source.region');
  const taggingCountHeader = get<boolean>('ferry.source.tagging_count_header');
  const pathStyle = get<boolean | undefined>('ferry.source.path_style');
  const sourceTls = sourceTlsOf(opt('ferry.source.ca_bundle'), get<boolean>('ferry.source.insecure_skip_verify'), endpoint);
  if (endpoint !== undefined) {
    const url = URL.parse(endpoint);
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
      throw new ConfigError('ferry.source.endpoint', `must be an http or https URL, got ${JSON.stringify(endpoint)}`);
    }
    // Without keys the source uses the AWS default credential chain (README "Credentials").
    if (!accessKey !== !secretKey) {
      throw new ConfigError(accessKey ? 'ferry.source.secret_key' : 'ferry.source.access_key', 'FERRY_SOURCE_ACCESS_KEY and FERRY_SOURCE_SECRET_KEY go together (give neither to use the default credential chain)');
    }
  }
  const masterKeys = masterKeysOf(opt('ferry.secret_key'), opt('ferry.secret_keys'), opt('ferry.secret_key_current'));
  if (opt('ferry.admin_token') !== undefined && opt('ferry.admin_token')!.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError('ferry.admin_token', `must be at least ${MIN_TOKEN_LENGTH} characters`);
  }

  return {
    batch: {
      enabled: get('batch_replication.enabled'),
      maxConcurrentJobs: get('batch_replication.max_concurrent_jobs'),
      defaultConcurrency: get('batch_replication.default_concurrency'),
      maxRetries: get('batch_replication.max_retries'),
      retryDelayMs: parseDurationMs(get<string>('batch_replication.retry_delay'))!,
      historyLimit: get('batch_replication.history_limit'),
      checkpointInterval: get('batch_replication.checkpoint_interval'),
    },
    dataDir: get('ferry.data_dir'),
    natsUrl: opt('ferry.nats_url'),
    nats: natsClientConfig(opt),
    httpAddr: get('ferry.http_addr'),
    grpcAddr: get('ferry.grpc_addr'),
    apiTls: apiTlsOf(opt('ferry.api_tls.cert_file'), opt('ferry.api_tls.key_file'), opt('ferry.api_tls.client_ca_file'), get<string>('ferry.api_tls.reload_interval')),
    metricsAddr: opt('ferry.metrics_addr'),
    adminToken: opt('ferry.admin_token'),
    readToken: opt('ferry.read_token'),
    authTokens: get<NamedToken[] | undefined>('ferry.auth.tokens') ?? [],
    masterKeys,
    logLevel: get('ferry.log_level'),
    source: endpoint
      ? { endpoint, accessKey: accessKey ?? '', secretKey: secretKey ?? '', region, taggingCountHeader, ...(pathStyle === undefined ? {} : { pathStyle }), ...(sourceTls ? { tls: sourceTls } : {}) }
      : undefined,
    caBundle: caBundleFile('ferry.ca_bundle', opt('ferry.ca_bundle')),
    sourceRegion: region,
    endpointTimeoutMs: parseDurationMs(get<string>('ferry.endpoint_timeout'))!,
    checkOnStart: get('ferry.check_on_start'),
    copier: {
      slots: get('ferry.copier.slots'),
      multipartThreshold: get('ferry.copier.multipart_threshold'),
      partSize: get('ferry.copier.part_size'),
      partsInFlight: get('ferry.copier.parts_in_flight'),
      ackWaitMs: parseDurationMs(get<string>('ferry.copier.ack_wait'))!,
      staleUploadAgeMs,
    },
    natsReplicas: get('ferry.nats.replicas'),
    natsMaxWorkItems: get('ferry.nats.max_work_items'),
    checkpointOutcomes: get('ferry.events.checkpoint_outcomes'),
    listerMaxWaitingItems: get('ferry.lister.max_waiting_items'),
    listerSplitRanges: get('ferry.lister.split_ranges'),
    listerSplitMinPages: get('ferry.lister.split_min_pages'),
    webhooks: {
      secret: opt('ferry.webhooks.secret'),
      timeoutMs: parseDurationMs(get<string>('ferry.webhooks.timeout'))!,
      retryDelayMs: parseDurationMs(get<string>('ferry.webhooks.retry_delay'))!,
      maxRetryDurationMs: parseDurationMs(get<string>('ferry.webhooks.max_retry_duration'))!,
      allowPrivateNetworks: get('ferry.webhooks.allow_private_networks'),
    },
    destinations: { allowLinkLocal: get('ferry.destinations.allow_link_local') },
  };
}

/**
 * ferry.secret_key is the key with the id "default" (also the id of data keys sealed before ids were
 * recorded); ferry.secret_keys adds more. With several keys, ferry.secret_key_current says which one
 * seals new data keys.
 */
function masterKeysOf(single: string | undefined, listed: string | undefined, current: string | undefined): MasterKeysConfig | undefined {
  if (single !== undefined && !/^[0-9a-fA-F]{64}$/.test(single)) {
    throw new ConfigError('ferry.secret_key', 'must be 64 hex characters (a 256-bit key)');
  }
  const more = listed === undefined ? [] : parseMasterKeyList(listed);
  if (single !== undefined && more.some((k) => k.id === DEFAULT_MASTER_KEY_ID)) {
    throw new ConfigError('ferry.secret_keys', `lists the id "${DEFAULT_MASTER_KEY_ID}", which is ferry.secret_key's (FERRY_SECRET_KEY): give that key in one place`);
  }
  const keys = [...(single === undefined ? [] : [{ id: DEFAULT_MASTER_KEY_ID, key: single }]), ...more];
  const ids = keys.map((k) => `"${k.id}"`).join(', ');
  if (keys.length === 0) {
    if (current !== undefined) throw new ConfigError('ferry.secret_key_current', 'names a key, but no key is configured (ferry.secret_keys / FERRY_SECRET_KEYS)');
    return undefined;
  }
  if (current === undefined) {
    if (keys.length > 1) throw new ConfigError('ferry.secret_key_current', `must name the key new data keys are sealed under when several are configured (one of ${ids})`);
    return { keys, current: keys[0]!.id };
  }
  if (!keys.some((k) => k.id === current)) throw new ConfigError('ferry.secret_key_current', `is not the id of a configured key (${ids})`);
  return { keys, current };
}

/** The source's certificate checking: a CA bundle file or no check, each only for an https endpoint, and not both. */
function sourceTlsOf(caFile: string | undefined, insecureSkipVerify: boolean, endpoint: string | undefined): S3EndpointConfig['tls'] {
  if (caFile === undefined && !insecureSkipVerify) return undefined;
  const key = insecureSkipVerify ? 'ferry.source.insecure_skip_verify' : 'ferry.source.ca_bundle';
  if (endpoint === undefined || !endpoint.startsWith('https:')) throw new ConfigError(key, 'is only used with an https ferry.source.endpoint');
  if (insecureSkipVerify && caFile !== undefined) throw new ConfigError(key, 'checks nothing, so ferry.source.ca_bundle would not be used: give one or the other');
  return insecureSkipVerify ? { insecureSkipVerify } : { ca: caBundleFile('ferry.source.ca_bundle', caFile) };
}

const API_TLS_KEYS: Record<ServingCertificatePart, SettingPath> = {
  cert: 'ferry.api_tls.cert_file',
  key: 'ferry.api_tls.key_file',
  client_ca: 'ferry.api_tls.client_ca_file',
};

/** A setting as a message names it: its YAML key and its environment variable. */
function labelOf(key: SettingPath): string {
  return `${key} (${SETTINGS.find((s) => s.path === key)!.env})`;
}

/**
 * The API's certificate files, read and checked now so that a bad one stops the start naming its key:
 * a certificate without its key (or the wrong key), an expired certificate, a client CA that is not PEM.
 */
function apiTlsOf(certFile: string | undefined, keyFile: string | undefined, clientCaFile: string | undefined, reloadInterval: string): ApiTlsConfig | undefined {
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) throw new ConfigError(labelOf(API_TLS_KEYS.client_ca), 'asks clients for certificates over TLS, so it needs ferry.api_tls.cert_file and key_file too');
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    const [missing, given] = certFile === undefined ? (['cert', 'key'] as const) : (['key', 'cert'] as const);
    throw new ConfigError(labelOf(API_TLS_KEYS[missing]), `is needed with ${API_TLS_KEYS[given]}: give both to serve the API over TLS, or neither for plain text`);
  }
  const reloadIntervalMs = parseDurationMs(reloadInterval)!;
  if (reloadIntervalMs <= 0) throw new ConfigError(labelOf('ferry.api_tls.reload_interval'), `must be more than 0, got ${JSON.stringify(reloadInterval)}`);
  const files: Record<ServingCertificatePart, string | undefined> = { cert: certFile, key: keyFile, client_ca: clientCaFile };
  const pem = (part: ServingCertificatePart): string | undefined => {
    const path = files[part];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(labelOf(API_TLS_KEYS[part]), `cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const clientCa = pem('client_ca');
  try {
    checkServingCertificate({ cert: pem('cert')!, key: pem('key')!, ...(clientCa === undefined ? {} : { clientCa }) });
  } catch (err) {
    if (!(err instanceof ServingCertificateError)) throw err;
    throw new ConfigError(labelOf(API_TLS_KEYS[err.part]), `${files[err.part]}: ${err.message}`);
  }
  return { certFile, keyFile, ...(clientCaFile === undefined ? {} : { clientCaFile }), reloadIntervalMs };
}

/** A CA bundle file's PEM text, read and parsed now so that a bad file stops the start naming its key. */
function caBundleFile(key: 'ferry.ca_bundle' | 'ferry.source.ca_bundle', path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const label = `${key} (${SETTINGS.find((s) => s.path === key)!.env})`;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(label, `cannot read the CA bundle ${path}: ${(err as Error).message}`);
  }
  try {
    parseCaBundle(pem);
  } catch (err) {
    throw new ConfigError(label, `${path} ${(err as Error).message}`);
  }
  return pem;
}
