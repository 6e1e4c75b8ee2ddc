import type { S3Endpoint } from './endpoint.js';
import { withRetry, type RetryOptions } from './retry.js';
import { S3Error } from './s3Error.js';
import { SignedHttp, decodeXmlEntities } from './signedHttp.js';

export interface ListedObject {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  /** ISO 8601. */
  last_modified: string;
}

export interface ListOptions {
  prefix?: string;
  startAfter?: string;
  pageSize?: number;
  signal?: AbortSignal;
  /** How a failed page is retried (attempts, delays); the signal is `signal`. Default: withRetry's. */
  retry?: Omit<RetryOptions, 'signal'>;
}

/** Listing requests share keep-alive sockets; signed requests cost a fraction of the SDK's command stack. */
const http = new SignedHttp();

/** Closes the listing sockets (tests and shutdown). */
export function closeListingConnections(): void {
  http.close();
}

/**
 * ListObjectsV2 pages in key order. Transient failures of a page are retried
 * with backoff; permanent ones (NoSuchBucket, AccessDenied, bad credentials)
 * are thrown at once as S3Error.
 */
export async function* listObjects(e: S3Endpoint, bucket: string, opts: ListOptions = {}): AsyncGenerator<ListedObject[]> {
  let continuationToken: string | undefined;
  do {
    const query: Record<string, string> = { 'list-type': '2' };
    if (opts.prefix) query.prefix = opts.prefix;
    if (continuationToken) query['continuation-token'] = continuationToken;
    else if (opts.startAfter) query['start-after'] = opts.startAfter;
    if (opts.pageSize !== undefined) query['max-keys'] = String(opts.pageSize);
    const { res, body } = await withRetry(() => http.call(e, { method: 'GET', bucket, query, signal: opts.signal }), { ...opts.retry, signal: opts.signal });
    const text = body.toString('utf8');
    if (!text.includes('<ListBucketResult')) throw notAListing(res.statusCode ?? 0, res.headers['content-type'], text);
    const page = parseListPage(text);
    if (page.objects.length > 0) yield page.objects;
    continuationToken = page.truncated ? page.nextToken : undefined;
  } while (continuationToken);
}

/**
 * A 2xx answer that is no ListBucketResult (a web server's HTML page, a captive portal): read as a
 * listing it would look like an empty bucket, so the run would copy nothing and call it done.
 */
export function notAListing(status: number, contentType: string | undefined, text: string): S3Error {
  const start = text.slice(0, 60).replace(/\s+/g, ' ').trim();
  return new S3Error('NotAnS3Listing', `HTTP ${status} answer is not an S3 listing (content-type ${contentType ?? 'none'}, body starts ${JSON.stringify(start)})`, status, false);
}

export interface ListPage {
  objects: ListedObject[];
  truncated: boolean;
  nextToken?: string;
}

/** A ListBucketResult, read with indexOf: a page holds up to 1,000 entries and regular expressions per field cost more than the request. */
export function parseListPage(xml: string): ListPage {
  const objects: ListedObject[] = [];
  let at = 0;
  for (;;) {
    const start = xml.indexOf('<Contents>', at);
    if (start < 0) break;
    const end = xml.indexOf('</Contents>', start);
    if (end < 0) break;
    const entry = xml.slice(start + 10, end);
    const modified = field(entry, 'LastModified');
    objects.push({
      key: field(entry, 'Key') ?? '',
      size: Number(field(entry, 'Size') ?? 0),
      etag: (field(entry, 'ETag') ?? '').replace(/"/g, ''),
      last_modified: (modified ? new Date(modified) : new Date(0)).toISOString(),
    });
    at = end + 11;
  }
  // The page's own elements come outside the entries (before or after them, depending on the server).
  const outside = objects.length === 0 ? xml : xml.slice(0, xml.indexOf('<Contents>')) + xml.slice(xml.lastIndexOf('</Contents>'));
  return { objects, truncated: field(outside, 'IsTruncated') === 'true', nextToken: field(outside, 'NextContinuationToken') };
}

function field(xml: string, tag: string): string | undefined {
  const open = `<${tag}>`;
  const start = xml.indexOf(open);
  if (start < 0) return undefined;
  const end = xml.indexOf(`</${tag}>`, start + open.length);
  if (end < 0) return undefined;
  const text = xml.slice(start + open.length, end);
  return text.includes('&') ? decodeXmlEntities(text) : text;
}
