import { isValidBucketName } from './bucketName.js';
import { invalidField } from './errors.js';

/**
 * A job's completion report (AWS Batch Operations' "completion report"): CSV files of per-object outcomes
 * and a manifest.json naming them, written to `bucket` under `prefix` once each run has ended.
 */
export interface ReportSpec {
  bucket: string;
  prefix?: string;
  /** `all`: every object the run processed (default); `failed`: only the objects that failed. */
  scope?: ReportScope;
  /** Whose endpoint and credentials write the report (default `destination`). */
  endpoint?: ReportEndpoint;
}

export const REPORT_SCOPES = ['all', 'failed'] as const;
export type ReportScope = (typeof REPORT_SCOPES)[number];
export const REPORT_ENDPOINTS = ['source', 'destination'] as const;
export type ReportEndpoint = (typeof REPORT_ENDPOINTS)[number];

const MAX_PREFIX = 512;

/** Checks a request's `report`; problems are INVALID_ARGUMENT naming `report.<field>`. */
export function validateReport(value: unknown): ReportSpec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidField('report', 'must be an object with bucket, prefix, scope and endpoint');
  const { bucket, prefix, scope, endpoint, ...extra } = value as Record<string, unknown>;
  const unknown = Object.keys(extra)[0];
  if (unknown !== undefined) throw invalidField(`report.${unknown}`, 'unknown field');
  if (typeof bucket !== 'string' || bucket === '') throw invalidField('report.bucket', 'is required');
  if (!isValidBucketName(bucket)) throw invalidField('report.bucket', 'is not a valid bucket name');
  if (prefix !== undefined && (typeof prefix !== 'string' || prefix.length > MAX_PREFIX)) throw invalidField('report.prefix', `must be a string of at most ${MAX_PREFIX} characters`);
  if (scope !== undefined && !REPORT_SCOPES.includes(scope as ReportScope)) throw invalidField('report.scope', `must be one of ${REPORT_SCOPES.join(', ')}`);
  if (endpoint !== undefined && !REPORT_ENDPOINTS.includes(endpoint as ReportEndpoint)) throw invalidField('report.endpoint', `must be one of ${REPORT_ENDPOINTS.join(', ')}`);
  return {
    bucket,
    ...(prefix === undefined || prefix === '' ? {} : { prefix: prefix as string }),
    scope: (scope as ReportScope | undefined) ?? 'all',
    endpoint: (endpoint as ReportEndpoint | undefined) ?? 'destination',
  };
}
