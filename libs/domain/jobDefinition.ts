import { FerryError, invalidField } from './errors.js';
import { parseDurationMs } from './duration.js';
import { validateSchedule, type JobSchedule } from './schedule.js';
import { validateRateSchedule, type RateSchedule } from './rateSchedule.js';
import { MAX_CA_BUNDLE, parseCaBundle } from './caBundle.js';
import { checkRunSettings } from './jobChanges.js';
import { checkFailureThreshold } from './failureThreshold.js';
import { validateManifest, type ManifestSpec } from './manifest.js';
import { checkVerifyMode, type VerifyMode } from './verifyMode.js';
import { checkMirrorSettings } from './mirror.js';
import { validateReport, type ReportSpec } from './reportSpec.js';
import { isValidBucketName } from './bucketName.js';
import { checkVersionsSetting, type VersionsOption } from './versionsMode.js';

export const JOB_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const RETRY_BACKOFFS = ['fixed', 'linear', 'exponential'] as const;
export type RetryBackoff = (typeof RETRY_BACKOFFS)[number];

/** A job as the spec's JSON describes it (snake_case, as users script against it). */
export interface JobDefinition {
  job_id: string;
  source_bucket: string;
  destination_bucket: string;
  description?: string;
  destination_endpoint?: string;
  destination_access_key?: string;
  destination_secret_key?: string;
  destination_region?: string;
  /** false: virtual-hosted-style requests to destination_endpoint; unset: virtual-hosted for AWS hosts, path-style elsewhere. */
  destination_path_style?: boolean;
  /** PEM certificates destination_endpoint's certificate is checked against, besides the usual roots (a private CA). */
  destination_ca_bundle?: string;
  /** Accept any certificate from destination_endpoint; recorded as TlsVerificationDisabled in the job's events. */
  destination_insecure_skip_verify?: boolean;
  prefix?: string;
  min_size?: number;
  max_size?: number;
  created_after?: string;
  created_before?: string;
  tags?: Record<string, string>;
  concurrency?: number;
  rate_limit_bytes_per_sec?: number;
  /** Time-of-day rate windows (rateSchedule.ts); instead of rate_limit_bytes_per_sec, never with it. */
  rate_limit_schedule?: RateSchedule;
  priority?: number;
  max_retries?: number;
  retry_delay?: string;
  retry_backoff?: RetryBackoff;
  checkpoint_interval?: number;
  /** Stop the run as failed once more than this share of the objects tried failed (failureThreshold.ts). */
  max_failure_percent?: number;
  min_objects_before_threshold?: number;
  /** The objects to copy, read from a manifest instead of listing the source (manifest.ts). */
  manifest?: ManifestSpec;
  /** A manifest row naming an object the source lacks counts failed (NoSuchKey) instead of skipped. */
  manifest_strict?: boolean;
  /** Check each destination object after its copy (verifyMode.ts); absent: no check beyond the copy's own. */
  verify?: VerifyMode;
  /** Mirror mode (mirror.ts): after the copy phase, delete destination objects in the selection that the source no longer has. */
  delete_extraneous?: boolean;
  /** A count ("500") or a percentage ("5%") of the destination's objects in the selection; more candidates fail the run before any deletion. */
  max_delete?: string;
  /** Let a mirror run delete even when the source listing under the prefix came back empty. */
  allow_empty_source?: boolean;
  /** Writes a completion report (CSV files and a manifest.json) when each run ends (completionReport.ts). */
  report?: ReportSpec;
  notification_webhook?: string;
  notify_on?: JobStatus[];
  /** Signs this job's webhook deliveries instead of the deployment's `ferry.webhooks.secret`. */
  webhook_secret?: string;
  /** Starts a new run at each firing (see schedule.ts). */
  schedule?: JobSchedule;
  /** Roles assumed through STS to read the source / write the destination (README "Credentials"). */
  source_role_arn?: string;
  destination_role_arn?: string;
  /** Given to STS with either role. */
  external_id?: string;
  session_name?: string;
  /** STS endpoint URL for a non-AWS STS (a Ceph RGW's own URL); AWS's regional STS when absent. */
  sts_endpoint?: string;
  /** The additional checksum computed and sent for objects whose source has none (the source's own is always carried). */
  checksum_algorithm?: ChecksumAlgorithmOption;
  /** `latest` (the default): the current objects; `all`: every version and delete marker, oldest first (versionsMode.ts). */
  versions?: VersionsOption;
}

export const CHECKSUM_ALGORITHM_OPTIONS = ['crc32c', 'sha256', 'none'] as const;
export type ChecksumAlgorithmOption = (typeof CHECKSUM_ALGORITHM_OPTIONS)[number];

/** What the event log holds: the secrets replaced by their sealed forms. */
export type StoredJobDefinition = Omit<JobDefinition, 'destination_secret_key' | 'webhook_secret'> & {
  destination_secret_key_sealed?: string;
  webhook_secret_sealed?: string;
  /** Which kind of credential each side uses (`static`, `default_chain`, `role <arn>`), stamped by control at create. */
  source_credentials?: string;
  destination_credentials?: string;
  /** Stamped by control at create when the deployment's source is read without checking its certificate. */
  source_insecure_skip_verify?: boolean;
};

export const DEFAULT_PRIORITY = 100;
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_TEXT = 1024;
const MAX_PREFIX = 1024;
const MAX_URL = 2048;
/** S3 objects carry at most 10 tags, so a filter naming more could never match. */
const MAX_TAGS = 10;

type FieldKind = 'string' | 'integer' | 'boolean' | 'object' | 'array';
const FIELDS: Record<keyof JobDefinition, FieldKind> = {
  job_id: 'string',
  source_bucket: 'string',
  destination_bucket: 'string',
  description: 'string',
  destination_endpoint: 'string',
  destination_access_key: 'string',
  destination_secret_key: 'string',
  destination_region: 'string',
  destination_path_style: 'boolean',
  destination_ca_bundle: 'string',
  destination_insecure_skip_verify: 'boolean',
  prefix: 'string',
  min_size: 'integer',
  max_size: 'integer',
  created_after: 'string',
  created_before: 'string',
  tags: 'object',
  concurrency: 'integer',
  rate_limit_bytes_per_sec: 'integer',
  rate_limit_schedule: 'object',
  priority: 'integer',
  max_retries: 'integer',
  retry_delay: 'string',
  retry_backoff: 'string',
  checkpoint_interval: 'integer',
  max_failure_percent: 'integer',
  min_objects_before_threshold: 'integer',
  manifest: 'object',
  manifest_strict: 'boolean',
  verify: 'string',
  delete_extraneous: 'boolean',
  max_delete: 'string',
  allow_empty_source: 'boolean',
  report: 'object',
  notification_webhook: 'string',
  notify_on: 'array',
  webhook_secret: 'string',
  schedule: 'object',
  source_role_arn: 'string',
  destination_role_arn: 'string',
  external_id: 'string',
  session_name: 'string',
  sts_endpoint: 'string',
  checksum_algorithm: 'string',
  versions: 'string',
};

function kindOf(value: unknown): FieldKind | 'other' {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return 'integer';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  if (value !== null && typeof value === 'object') return 'object';
  return 'other';
}

function isHttpUrl(text: string): boolean {
  const url = URL.parse(text);
  return (url?.protocol === 'http:' || url?.protocol === 'https:') && url.hostname !== '';
}

function parseTimestamp(field: string, text: string): number {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  const ms = Date.parse(text);
  if (!rfc3339.test(text) || Number.isNaN(ms)) throw invalidField(field, 'must be an RFC 3339 timestamp');
  return ms;
}

function requireNonEmpty(body: Record<string, unknown>, field: keyof JobDefinition): void {
  if (body[field] === undefined || body[field] === '') throw invalidField(field, 'is required');
}

/** An http(s) endpoint as scheme://host:port/path, the port made explicit, so two spellings of one endpoint compare equal. */
export function normalizedEndpoint(text: string): string | undefined {
  const url = URL.parse(text);
  if (!url) return undefined;
  const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  return `${url.protocol}//${url.hostname.toLowerCase()}:${port}${url.pathname.replace(/\/+$/, '')}`;
}

/** What validation needs to know of the deployment: the source endpoint a job without destination_endpoint writes to. */
export interface ValidationContext {
  sourceEndpoint?: string;
}

/**
 * Checks a create request field by field; the first problem found is thrown as an
 * INVALID_ARGUMENT naming the field. Unknown fields are refused so a typo never
 * silently changes what a job copies.
 */
export function validateJobDefinition(input: unknown, context: ValidationContext = {}): JobDefinition {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new FerryError('INVALID_ARGUMENT', 'request body must be a JSON object');
  }
  const body = input as Record<string, unknown>;
  for (const [field, value] of Object.entries(body)) {
    const expected = FIELDS[field as keyof JobDefinition];
    if (!expected) throw invalidField(field, 'unknown field');
    if (value === null || value === undefined) continue;
    if (kindOf(value) !== expected) throw invalidField(field, `must be ${expected === 'integer' ? 'an integer' : `a${expected === 'object' || expected === 'array' ? 'n' : ''} ${expected}`}`);
  }
  const def = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null && v !== undefined)) as unknown as JobDefinition;

  requireNonEmpty(body, 'job_id');
  if (!JOB_ID_PATTERN.test(def.job_id)) throw invalidField('job_id', `must match ${JOB_ID_PATTERN.source}`);
  for (const field of ['source_bucket', 'destination_bucket'] as const) {
    requireNonEmpty(body, field);
    if (!isValidBucketName(def[field])) throw invalidField(field, 'is not a valid bucket name');
  }
  for (const field of ['description', 'destination_access_key', 'destination_secret_key', 'destination_region', 'webhook_secret'] as const) {
    const value = def[field];
    if (value !== undefined && value.length > MAX_TEXT) throw invalidField(field, `must be at most ${MAX_TEXT} characters`);
  }
  if (def.prefix !== undefined && def.prefix.length > MAX_PREFIX) throw invalidField('prefix', `must be at most ${MAX_PREFIX} characters`);

  for (const field of ['destination_endpoint', 'notification_webhook'] as const) {
    const value = def[field];
    if (value !== undefined && value.length > MAX_URL) throw invalidField(field, `must be at most ${MAX_URL} characters`);
  }

  if (def.destination_endpoint !== undefined) {
    if (!isHttpUrl(def.destination_endpoint)) throw invalidField('destination_endpoint', 'must be an http or https URL');
  }
  if ((def.destination_access_key === undefined) !== (def.destination_secret_key === undefined)) {
    const missing = def.destination_access_key === undefined ? 'destination_access_key' : 'destination_secret_key';
    throw invalidField(missing, 'destination_access_key and destination_secret_key go together');
  }
  if (def.destination_access_key !== undefined && def.destination_endpoint === undefined) {
    throw invalidField('destination_endpoint', 'is required when destination credentials are given');
  }
  validateRoles(def);
  if (def.destination_path_style !== undefined && def.destination_endpoint === undefined) {
    throw invalidField('destination_path_style', 'is only used with destination_endpoint (the source endpoint follows ferry.source.path_style)');
  }
  validateDestinationTls(def);
  const sameEndpoint =
    def.destination_endpoint === undefined ||
    (context.sourceEndpoint !== undefined && normalizedEndpoint(def.destination_endpoint) === normalizedEndpoint(context.sourceEndpoint));
  if (sameEndpoint && def.source_bucket === def.destination_bucket) {
    throw invalidField('destination_bucket', 'must differ from source_bucket on the same endpoint (the copy would overlap its source)');
  }

  for (const field of ['min_size', 'max_size'] as const) {
    const value = def[field];
    if (value !== undefined && value < 0) throw invalidField(field, 'must not be negative');
  }
  if (def.min_size !== undefined && def.max_size !== undefined && def.min_size > def.max_size) {
    throw invalidField('min_size', 'must not exceed max_size');
  }
  const after = def.created_after === undefined ? undefined : parseTimestamp('created_after', def.created_after);
  const before = def.created_before === undefined ? undefined : parseTimestamp('created_before', def.created_before);
  if (after !== undefined && before !== undefined && after > before) {
    throw invalidField('created_after', 'must not be later than created_before');
  }
  if (def.tags !== undefined) {
    if (Object.keys(def.tags).length > MAX_TAGS) throw invalidField('tags', `must name at most ${MAX_TAGS} tags (an S3 object carries at most ${MAX_TAGS})`);
    for (const [key, value] of Object.entries(def.tags)) {
      if (typeof value !== 'string') throw invalidField(`tags.${key}`, 'must be a string');
      if (key === '' || key.length > 128 || value.length > 256) throw invalidField(`tags.${key}`, 'tag keys are 1-128 characters, values at most 256');
    }
  }
  checkRunSettings(def);
  if (def.max_retries !== undefined && (def.max_retries < 0 || def.max_retries > 100)) {
    throw invalidField('max_retries', 'must be between 0 and 100');
  }
  if (def.retry_delay !== undefined && parseDurationMs(def.retry_delay) === undefined) {
    throw invalidField('retry_delay', 'must be a duration such as "5s" or "500ms"');
  }
  if (def.retry_backoff !== undefined && !RETRY_BACKOFFS.includes(def.retry_backoff)) {
    throw invalidField('retry_backoff', `must be one of ${RETRY_BACKOFFS.join(', ')}`);
  }
  if (def.checksum_algorithm !== undefined && !CHECKSUM_ALGORITHM_OPTIONS.includes(def.checksum_algorithm)) {
    throw invalidField('checksum_algorithm', `must be one of ${CHECKSUM_ALGORITHM_OPTIONS.join(', ')}`);
  }
  if (def.checkpoint_interval !== undefined && (def.checkpoint_interval < 1 || def.checkpoint_interval > 10_000_000)) {
    throw invalidField('checkpoint_interval', 'must be between 1 and 10000000');
  }
  checkFailureThreshold(def);
  const manifest = validateManifest(def.manifest, def.manifest_strict);
  if (manifest !== undefined) {
    if (!isValidBucketName(manifest.bucket)) throw invalidField('manifest.bucket', 'must be a valid S3 bucket name');
    def.manifest = manifest;
  }
  checkVerifyMode(def.verify);
  checkMirrorSettings(def);
  if (def.manifest !== undefined && def.delete_extraneous === true) {
    throw invalidField('delete_extraneous', 'does not go with manifest: a manifest names what to copy, not everything the source has, so nothing can be called extraneous');
  }
  checkVersionsSetting(def);
  if (def.report !== undefined) def.report = validateReport(def.report);
  if (def.notification_webhook !== undefined && !isHttpUrl(def.notification_webhook)) {
    throw invalidField('notification_webhook', 'must be an http or https URL');
  }
  if (def.webhook_secret !== undefined) {
    if (def.webhook_secret === '') throw invalidField('webhook_secret', 'must not be empty');
    if (def.notification_webhook === undefined) throw invalidField('webhook_secret', 'is only used with notification_webhook');
  }
  if (def.notify_on !== undefined) {
    for (const state of def.notify_on) {
      if (!JOB_STATUSES.includes(state)) throw invalidField('notify_on', `must list job states (${JOB_STATUSES.join(', ')})`);
    }
    if (new Set(def.notify_on).size !== def.notify_on.length) throw invalidField('notify_on', 'must list each job state at most once');
  }
  if (def.schedule !== undefined) def.schedule = validateSchedule(def.schedule);
  if (def.rate_limit_schedule !== undefined) {
    def.rate_limit_schedule = validateRateSchedule(def.rate_limit_schedule);
    if (def.rate_limit_bytes_per_sec !== undefined) throw invalidField('rate_limit_bytes_per_sec', 'goes with rate_limit_schedule only as one of its windows: give one or the other');
  }
  return def;
}

/** The definition as any API shows it: the secrets are never returned. */
export function publicDefinition(def: StoredJobDefinition): Omit<StoredJobDefinition, 'destination_secret_key_sealed' | 'webhook_secret_sealed'> & {
  destination_secret_key?: string;
  webhook_secret?: string;
} {
  const { destination_secret_key_sealed, webhook_secret_sealed, ...rest } = def;
  return {
    ...rest,
    ...(destination_secret_key_sealed === undefined ? {} : { destination_secret_key: '********' }),
    ...(webhook_secret_sealed === undefined ? {} : { webhook_secret: '********' }),
  };
}

/** An IAM role ARN; the account may be empty or a tenant name (Ceph RGW's roles are `arn:aws:iam:::role/R`). */
const ROLE_ARN_PATTERN = /^arn:[a-z0-9-]+:iam::[^:/]*:role\/[\w+=,.@\/-]{1,512}$/;
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:\/-]{2,1224}$/;
const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;

function validateRoles(def: JobDefinition): void {
  for (const field of ['source_role_arn', 'destination_role_arn'] as const) {
    const value = def[field];
    if (value !== undefined && !ROLE_ARN_PATTERN.test(value)) throw invalidField(field, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
  }
  const hasRole = def.source_role_arn !== undefined || def.destination_role_arn !== undefined;
  if (def.external_id !== undefined && !EXTERNAL_ID_PATTERN.test(def.external_id)) throw invalidField('external_id', 'must be 2 to 1224 of the characters STS allows (letters, digits, +=,.@:/-)');
  if (def.session_name !== undefined && !SESSION_NAME_PATTERN.test(def.session_name)) throw invalidField('session_name', 'must be 2 to 64 of the characters STS allows (letters, digits, +=,.@-)');
  if (def.sts_endpoint !== undefined && (def.sts_endpoint.length > MAX_URL || !isHttpUrl(def.sts_endpoint))) throw invalidField('sts_endpoint', 'must be an http or https URL');
  for (const field of ['external_id', 'session_name', 'sts_endpoint'] as const) {
    if (def[field] !== undefined && !hasRole) throw invalidField(field, 'applies only with source_role_arn or destination_role_arn');
  }
}

/** destination_ca_bundle and destination_insecure_skip_verify: only for an https destination_endpoint, and not together. */
function validateDestinationTls(def: JobDefinition): void {
  const fields = (['destination_ca_bundle', 'destination_insecure_skip_verify'] as const).filter((f) => def[f] !== undefined);
  for (const field of fields) {
    if (def.destination_endpoint === undefined) throw invalidField(field, 'is only used with destination_endpoint (the source endpoint follows ferry.source.ca_bundle and ferry.source.insecure_skip_verify)');
    if (new URL(def.destination_endpoint).protocol !== 'https:') throw invalidField(field, 'is only used with an https destination_endpoint');
  }
  if (def.destination_insecure_skip_verify === true && def.destination_ca_bundle !== undefined) {
    throw invalidField('destination_insecure_skip_verify', 'checks nothing, so destination_ca_bundle would not be used: give one or the other');
  }
  if (def.destination_ca_bundle !== undefined) {
    if (def.destination_ca_bundle.length > MAX_CA_BUNDLE) throw invalidField('destination_ca_bundle', `must be at most ${MAX_CA_BUNDLE} characters`);
    try {
      parseCaBundle(def.destination_ca_bundle);
    } catch (err) {
      throw invalidField('destination_ca_bundle', (err as Error).message);
    }
  }
}
