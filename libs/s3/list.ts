import type { S3Endpoint } from './endpoint.js';
import { withRetry, type RetryOptions } from './retry.js';
import { S3Error } from './s3Error.js';
import { readListPage, type ListedObject } from './responseDocuments.js';
import { SignedHttp } from './signedHttp.js';

export type { ListedObject } from './responseDocuments.js';

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
    // Read inside the retry: a page cut short (MalformedResponse) is asked for again.
    const page = await withRetry(async () => {
      const { res, body } = await http.call(e, { method: 'GET', bucket, query, signal: opts.signal });
      const text = body.toString('utf8');
      if (!text.includes('<ListBucketResult')) throw notAListing(res.statusCode ?? 0, res.headers['content-type'], text);
      return readListPage(text);
    }, { ...opts.retry, signal: opts.signal });
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
