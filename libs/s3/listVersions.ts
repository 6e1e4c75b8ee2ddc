import type { S3Endpoint } from './endpoint.js';
import { withRetry, type RetryOptions } from './retry.js';
import { notAListing } from './list.js';
import { readErrorFields } from './responseDocuments.js';
import { S3Error, s3ErrorFromResponse } from './s3Error.js';
import { SignedHttp } from './signedHttp.js';
import { MalformedXml, readXml, type XmlElement } from './xmlTree.js';

/**
 * ListObjectVersions and GetBucketVersioning: what `versions: all` (issue 20 item 1) reads.
 * Apart from list.ts so the latest-only listing is untouched.
 */

/** One entry of a ListVersionsResult: an object version or a delete marker. */
export interface ObjectVersion {
  key: string;
  /** "null" for what was written before versioning was enabled, as S3 writes it. */
  version_id: string;
  delete_marker: boolean;
  is_latest: boolean;
  /** ISO 8601. */
  last_modified: string;
  /** 0 for a delete marker. */
  size: number;
  /** Without quotes; empty for a delete marker. */
  etag: string;
}

export interface VersionsPage {
  /** In the order S3 lists them: by key, each key's versions newest first. */
  versions: ObjectVersion[];
  truncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** Where a versions listing goes on: after this key (all its versions), or after this version of it. */
export interface VersionsPosition {
  key: string;
  versionId?: string;
}

export interface ListVersionsOptions {
  prefix?: string;
  after?: VersionsPosition;
  pageSize?: number;
  signal?: AbortSignal;
  retry?: Omit<RetryOptions, 'signal'>;
}

const WHAT = 'ListObjectVersions answer';
const DIGITS = /^[0-9]+$/;

function invalid(reason: string): S3Error {
  return new S3Error('InvalidResponse', `${WHAT}: ${reason}`, 0, true);
}

function parse(xml: string, what: string): XmlElement {
  try {
    return readXml(xml);
  } catch (err) {
    if (!(err instanceof MalformedXml)) throw err;
    throw new S3Error('MalformedResponse', `${what} is not well-formed XML: ${err.message}`, 0, true, { cause: err });
  }
}

/** A ListVersionsResult page; throws InvalidResponse for what would silently end or skip the listing. */
export function readVersionsPage(xml: string): VersionsPage {
  const root = parse(xml, WHAT);
  if (root.name !== 'ListVersionsResult') throw invalid(`<${root.name}> where <ListVersionsResult> was expected`);
  const versions: ObjectVersion[] = [];
  let truncated = false;
  let nextKeyMarker: string | undefined;
  let nextVersionIdMarker: string | undefined;
  for (const child of root.children) {
    switch (child.name) {
      case 'Version': versions.push(versionEntry(child, false)); break;
      case 'DeleteMarker': versions.push(versionEntry(child, true)); break;
      case 'IsTruncated': truncated = child.text === 'true'; break;
      case 'NextKeyMarker': nextKeyMarker = child.text; break;
      case 'NextVersionIdMarker': nextVersionIdMarker = child.text; break;
      default: break;
    }
  }
  if (truncated && !nextKeyMarker) throw invalid('IsTruncated without a NextKeyMarker');
  return { versions, truncated, nextKeyMarker, nextVersionIdMarker: nextVersionIdMarker || undefined };
}

function versionEntry(entry: XmlElement, deleteMarker: boolean): ObjectVersion {
  let key: string | undefined;
  let versionId: string | undefined;
  let latest = false;
  let modified: string | undefined;
  let size = '0';
  let etag = '';
  for (const field of entry.children) {
    switch (field.name) {
      case 'Key': key = field.text; break;
      case 'VersionId': versionId = field.text; break;
      case 'IsLatest': latest = field.text === 'true'; break;
      case 'LastModified': modified = field.text; break;
      case 'Size': size = field.text; break;
      case 'ETag': etag = field.text; break;
      default: break;
    }
  }
  if (key === undefined) throw invalid('an entry without a Key');
  if (!versionId) throw invalid(`an entry of ${JSON.stringify(key)} without a VersionId`);
  const bytes = Number(size);
  if (!DIGITS.test(size) || !Number.isSafeInteger(bytes)) throw invalid(`Size ${JSON.stringify(size.slice(0, 40))} of ${JSON.stringify(key)} is no byte count`);
  const time = modified === undefined ? Number.NaN : Date.parse(modified);
  // Versions are ordered and filtered by LastModified: an undated one cannot be placed.
  if (Number.isNaN(time)) throw invalid(`LastModified ${JSON.stringify((modified ?? '').slice(0, 40))} of ${JSON.stringify(key)} is no time`);
  return {
    key,
    version_id: versionId,
    delete_marker: deleteMarker,
    is_latest: latest,
    last_modified: new Date(time).toISOString(),
    size: deleteMarker ? 0 : bytes,
    etag: etag.replace(/"/g, ''),
  };
}

const http = new SignedHttp();

/** Closes the sockets of version listings and versioning reads (tests and shutdown). */
export function closeVersionListingConnections(): void {
  http.close();
}

/** ListObjectVersions pages, retried as list.ts's pages are. */
export async function* listObjectVersions(e: S3Endpoint, bucket: string, opts: ListVersionsOptions = {}): AsyncGenerator<ObjectVersion[]> {
  let marker: VersionsPosition | undefined = opts.after;
  for (;;) {
    const query: Record<string, string> = { versions: '' };
    if (opts.prefix) query.prefix = opts.prefix;
    if (marker) {
      query['key-marker'] = marker.key;
      if (marker.versionId) query['version-id-marker'] = marker.versionId;
    }
    if (opts.pageSize !== undefined) query['max-keys'] = String(opts.pageSize);
    const page = await withRetry(async () => {
      const { res, body } = await http.call(e, { method: 'GET', bucket, query, signal: opts.signal });
      const text = body.toString('utf8');
      if ((res.statusCode ?? 0) >= 300 || !text.includes('<ListVersionsResult')) throw notAVersionsListing(res.statusCode ?? 0, text);
      return readVersionsPage(text);
    }, { ...opts.retry, signal: opts.signal });
    if (page.versions.length > 0) yield page.versions;
    if (!page.truncated) return;
    marker = { key: page.nextKeyMarker!, versionId: page.nextVersionIdMarker };
  }
}

/**
 * Each key's versions together, newest first as listed, even when a key's versions span pages:
 * the last key of a page is held until the next page starts with another key. A key with very
 * many versions is held whole: the bound is one key's versions, not one page.
 */
export async function* keyVersions(pages: AsyncIterable<ObjectVersion[]>): AsyncGenerator<ObjectVersion[]> {
  let held: ObjectVersion[] = [];
  for await (const page of pages) {
    for (const v of page) {
      if (held.length > 0 && held[0].key !== v.key) {
        yield held;
        held = [];
      }
      held.push(v);
    }
  }
  if (held.length > 0) yield held;
}

export type BucketVersioning = 'Enabled' | 'Suspended' | 'Unversioned';

/** GetBucketVersioning: a bucket never versioned answers with no Status. */
export async function getBucketVersioning(e: S3Endpoint, bucket: string, signal?: AbortSignal): Promise<BucketVersioning> {
  return withRetry(async () => {
    const { res, body } = await http.call(e, { method: 'GET', bucket, query: { versioning: '' }, signal });
    const text = body.toString('utf8');
    if ((res.statusCode ?? 0) >= 300) throw notAVersionsListing(res.statusCode ?? 0, text);
    return readBucketVersioning(text);
  }, { signal });
}

export function readBucketVersioning(xml: string): BucketVersioning {
  const what = 'GetBucketVersioning answer';
  const root = parse(xml, what);
  // A server that does not know ?versioning (s3rver) answers the bucket's listing: it has no versioning to report.
  if (root.name === 'ListBucketResult') throw new S3Error('NotImplemented', `${what}: a bucket listing, so the server ignores ?versioning`, 0, false);
  if (root.name !== 'VersioningConfiguration') throw new S3Error('InvalidResponse', `${what}: <${root.name}> where <VersioningConfiguration> was expected`, 0, true);
  const status = root.children.find((c) => c.name === 'Status')?.text;
  if (status === 'Enabled' || status === 'Suspended') return status;
  return 'Unversioned';
}

/** An error answer as its code says; a 2xx that is no such document as list.ts's notAListing. */
function notAVersionsListing(status: number, text: string): S3Error {
  if (status >= 300) {
    const fields = readErrorFields(text);
    return s3ErrorFromResponse(status, fields.code, fields.message);
  }
  return notAListing(status, undefined, text);
}
