import type { ManifestSpec } from '../domain/manifest.js';
import { headListed, listObjects, type ListedObject, type ObjectHead, type RetryOptions, type S3Endpoint } from '../s3/index.js';
import { compareObjects, mayBeThisRunsCopy } from './compareWithDestination.js';
import { fetchTags } from './fetchTags.js';
import { BucketListingError } from './listingError.js';
import { manifestRows, type ManifestRow } from './manifest/manifestRows.js';
import { mapInOrder } from './mapInOrder.js';
import { compileFilter, type CompiledFilter } from './objectFilter.js';
import type { SelectedObject, SelectionDefinition } from './selectObjects.js';

export interface ManifestSelectionDefinition extends SelectionDefinition {
  manifest: ManifestSpec;
  manifest_strict?: boolean;
}

export interface ManifestSelectOptions {
  /** Rows already read (a run's checkpoint); reading resumes after them. */
  afterRow?: number;
  signal?: AbortSignal;
  /** HEAD and tag requests in flight at once. */
  concurrency?: number;
  retry?: Omit<RetryOptions, 'signal'>;
  /** When the run began: identical objects written to the destination since are queued, not skipped (mayBeThisRunsCopy). */
  runStartedAt?: string;
}

/** The manifest is read from the job's source or destination endpoint, as `manifest.endpoint` says. */
export interface ManifestEndpoints {
  source: S3Endpoint;
  destination: S3Endpoint;
}

const DEFAULT_CONCURRENCY = 32;

/**
 * A run's selection read from a manifest instead of a listing: each row's object is HEADed at the
 * source (the manifest says which keys, the source what they are now), filtered as a listed object
 * is, then HEADed at the destination to skip what is already identical there. Rows keep the
 * manifest's order and each selected one carries its row number, which a checkpoint records.
 * A row naming nothing copyable counts failed; an object the source lacks counts skipped, or
 * failed with NoSuchKey when `manifest_strict`. Filtered-out rows are not yielded.
 */
export async function* selectFromManifest(
  endpoints: ManifestEndpoints,
  definition: ManifestSelectionDefinition,
  opts: ManifestSelectOptions = {},
): AsyncGenerator<SelectedObject[]> {
  const { source, destination } = endpoints;
  const filter = compileFilter(definition);
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const request = { signal: opts.signal, retry: opts.retry };
  // A HEAD cannot tell a missing bucket from a missing key: one listed page can, for both sides.
  await probeBucket('source', source, definition.source_bucket, request);
  await probeBucket('destination', destination, definition.destination_bucket, request);
  const rows = manifestRows(definition.manifest, definition.manifest.endpoint === 'source' ? source : destination, { afterRow: opts.afterRow, signal: opts.signal });
  for await (const page of rows) {
    const selected = await mapInOrder(page, concurrency, (row) => selectRow(row, { endpoints, definition, filter, request, runStartedAt: opts.runStartedAt }));
    const kept = selected.filter((entry): entry is SelectedObject => entry !== undefined);
    if (kept.length > 0) yield kept;
  }
}

interface RowContext {
  endpoints: ManifestEndpoints;
  definition: ManifestSelectionDefinition;
  filter: CompiledFilter;
  request: { signal?: AbortSignal; retry?: Omit<RetryOptions, 'signal'> };
  runStartedAt?: string;
}

async function selectRow(row: ManifestRow, c: RowContext): Promise<SelectedObject | undefined> {
  const { definition, endpoints, request } = c;
  if ('problem' in row) return refused(row.row, row.raw, `manifest row ${row.row} ${row.problem}`);
  if (!row.key.startsWith(definition.prefix ?? '')) return undefined;
  if (row.bucket !== definition.source_bucket) {
    return refused(row.row, row.key, `manifest row ${row.row} names bucket ${row.bucket}; this job copies from ${definition.source_bucket}`);
  }
  const head = await sideHead('source', endpoints.source, definition.source_bucket, row.key, request);
  if (head === undefined) {
    return definition.manifest_strict
      ? refused(row.row, row.key, 'NoSuchKey: named in the manifest, not at the source')
      : { row: row.row, object: absent(row.key), action: 'skip', error: 'named in the manifest, not at the source' };
  }
  if (row.version_id !== undefined && !isVersion(head, row.version_id)) {
    return refused(row.row, row.key, `manifest row ${row.row} names version ${row.version_id}, not the current one (${head.version_id ?? 'null'}): Ferry copies current versions`);
  }
  const object: ListedObject = { key: head.key, size: head.size, etag: head.etag, last_modified: head.last_modified };
  if (!c.filter.matchesCheap(object)) return undefined;
  if (c.filter.needsTags) {
    const tags = await sideTags(endpoints.source, definition.source_bucket, row.key);
    if (!c.filter.matchesTags(tags)) return undefined;
  }
  const there = await sideHead('destination', endpoints.destination, definition.destination_bucket, row.key, request);
  const identical = there !== undefined && compareObjects(object, there) === 'identical' && !mayBeThisRunsCopy(there, c.runStartedAt);
  return { row: row.row, object, action: identical ? 'skip' : 'copy' };
}

function refused(row: number, key: string, error: string): SelectedObject {
  return { row, object: absent(key), action: 'fail', error };
}

function absent(key: string): ListedObject {
  return { key, size: 0, etag: '', last_modified: '' };
}

/** S3 calls an unversioned object's version `null`. */
function isVersion(head: ObjectHead, version: string): boolean {
  return (head.version_id ?? 'null') === version;
}

async function sideHead(side: 'source' | 'destination', endpoint: S3Endpoint, bucket: string, key: string, request: RowContext['request']): Promise<ObjectHead | undefined> {
  try {
    return await headListed(endpoint, bucket, key, request);
  } catch (err) {
    throw new BucketListingError(side, bucket, err);
  }
}

async function sideTags(endpoint: S3Endpoint, bucket: string, key: string): Promise<Record<string, string>> {
  try {
    return await fetchTags(endpoint, bucket, key);
  } catch (err) {
    throw new BucketListingError('source', bucket, err);
  }
}

async function probeBucket(side: 'source' | 'destination', endpoint: S3Endpoint, bucket: string, request: RowContext['request']): Promise<void> {
  try {
    await listObjects(endpoint, bucket, { pageSize: 1, ...request }).next();
  } catch (err) {
    throw new BucketListingError(side, bucket, err);
  }
}
