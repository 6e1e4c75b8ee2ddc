import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDurationMs } from '../domain/duration.js';
import { parseCaBundle } from '../domain/caBundle.js';
import { ConfigError, SETTINGS, coerce, type Setting, type SettingPath } from './schema.js';
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
  metricsAddr?: string;
  adminToken?: string;
  readToken?: string;
  secretKey?: string;
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
  copier: { slots: number; multipartThreshold: number; partSize: number; ackWaitMs: number };
  /** Most work items of one run the lister leaves waiting in the work stream before it pauses listing. */
  listerMaxWaitingItems: number;
  natsReplicas: number;
  /** Cap on the work stream (all jobs together); listers keep each job far below it. */
  natsMaxWorkItems: number;
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
  const values = new Map<SettingPath, string | number | boolean | undefined>();
  for (const setting of SETTINGS as readonly Setting[]) {
    const fromEnv = env[setting.env];
    const fromFile = lookup(tree, setting.path);
    let value: string | number | boolean | undefined = setting.default;
    if (fromFile !== undefined && fromFile !== null) value = coerce(setting, fromFile, 'file');
    if (fromEnv !== undefined && fromEnv !== '') value = coerce(setting, fromEnv, 'env');
    values.set(setting.path as SettingPath, value);
  }
  const get = <T>(p: SettingPath) => values.get(p) as T;
  const opt = (p: SettingPath) => values.get(p) as string | undefined;

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
  const secret = opt('ferry.secret_key');
  if (secret !== undefined && !/^[0-9a-fA-F]{64}$/.test(secret)) {
    throw new ConfigError('ferry.secret_key', 'must be 64 hex characters (a 256-bit key)');
  }
  if (opt('ferry.admin_token') !== undefined && opt('ferry.admin_token')!.length < 16) {
    throw new ConfigError('ferry.admin_token', 'must be at least 16 characters');
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
    metricsAddr: opt('ferry.metrics_addr'),
    adminToken: opt('ferry.admin_token'),
    readToken: opt('ferry.read_token'),
    secretKey: secret,
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
      ackWaitMs: parseDurationMs(get<string>('ferry.copier.ack_wait'))!,
    },
    natsReplicas: get('ferry.nats.replicas'),
    natsMaxWorkItems: get('ferry.nats.max_work_items'),
    listerMaxWaitingItems: get('ferry.lister.max_waiting_items'),
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

/** The source's certificate checking: a CA bundle file or no check, each only for an https endpoint, and not both. */
function sourceTlsOf(caFile: string | undefined, insecureSkipVerify: boolean, endpoint: string | undefined): S3EndpointConfig['tls'] {
  if (caFile === undefined && !insecureSkipVerify) return undefined;
  const key = insecureSkipVerify ? 'ferry.source.insecure_skip_verify' : 'ferry.source.ca_bundle';
  if (endpoint === undefined || !endpoint.startsWith('https:')) throw new ConfigError(key, 'is only used with an https ferry.source.endpoint');
  if (insecureSkipVerify && caFile !== undefined) throw new ConfigError(key, 'checks nothing, so ferry.source.ca_bundle would not be used: give one or the other');
  return insecureSkipVerify ? { insecureSkipVerify } : { ca: caBundleFile('ferry.source.ca_bundle', caFile) };
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
