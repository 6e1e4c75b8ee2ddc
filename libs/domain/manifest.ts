import { invalidField } from './errors.js';

export const MANIFEST_FORMATS = ['csv', 's3-inventory'] as const;
export type ManifestFormat = (typeof MANIFEST_FORMATS)[number];

export const MANIFEST_ENDPOINTS = ['source', 'destination'] as const;
export type ManifestEndpoint = (typeof MANIFEST_ENDPOINTS)[number];

/**
 * Where a run reads the objects to copy instead of listing the source: a CSV of `bucket,key[,version_id]`
 * rows, or an S3 Inventory `manifest.json` naming gzipped CSV files, read from the source's or the
 * destination's endpoint.
 */
export interface ManifestSpec {
  bucket: string;
  key: string;
  format: ManifestFormat;
  endpoint: ManifestEndpoint;
}

const MANIFEST_FIELDS = new Set(['bucket', 'key', 'format', 'endpoint']);

/** Checks `manifest` and `manifest_strict` and fills the defaults; problems are INVALID_ARGUMENT naming the field. */
export function validateManifest(raw: unknown, strict: unknown): ManifestSpec | undefined {
  if (raw === undefined) {
    if (strict !== undefined) throw invalidField('manifest_strict', 'is only used with manifest');
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidField('manifest', 'must be an object with bucket and key');
  const given = raw as Record<string, unknown>;
  for (const field of Object.keys(given)) {
    if (!MANIFEST_FIELDS.has(field)) throw invalidField(`manifest.${field}`, 'is not a manifest field (bucket, key, format, endpoint)');
  }
  const text = (field: string): string => {
    const value = given[field];
    if (typeof value !== 'string' || value === '') throw invalidField(`manifest.${field}`, 'is required and must be a non-empty string');
    return value;
  };
  const bucket = text('bucket');
  const key = text('key');
  if (key.length > 1024) throw invalidField('manifest.key', 'must be at most 1024 characters');
  const format = given.format ?? 'csv';
  if (!MANIFEST_FORMATS.includes(format as ManifestFormat)) throw invalidField('manifest.format', `must be one of ${MANIFEST_FORMATS.join(', ')}`);
  const endpoint = given.endpoint ?? 'source';
  if (!MANIFEST_ENDPOINTS.includes(endpoint as ManifestEndpoint)) throw invalidField('manifest.endpoint', `must be one of ${MANIFEST_ENDPOINTS.join(', ')}`);
  return { bucket, key, format: format as ManifestFormat, endpoint: endpoint as ManifestEndpoint };
}
