import type { S3Endpoint } from './endpoint.js';
import { withRetry, type RetryOptions } from './retry.js';
import { S3Error } from './s3Error.js';
import { readListPage, type ListedObject, type ListPage } from './responseDocuments.js';
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
  for await (const page of listPages(e, bucket, opts)) {
    if (page.objects.length > 0) yield page.objects;
  }
}

/** The common prefixes under `prefix` up to the next `delimiter`, in key order, at most `maxPages` pages of them. */
export async function listCommonPrefixes(e: S3Endpoint, bucket: string, opts: ListOptions & { delimiter: string; maxPages: number }): Promise<{ prefixes: string[]; complete: boolean }> {
  const prefixes: string[] = [];
  let pages = 0;
  for await (const page of listPages(e, bucket, opts)) {
    prefixes.push(...(page.prefixes ?? []));
    if (++pages >= opts.maxPages && page.truncated) return { prefixes, complete: false };
  }
  return { prefixes, complete: true };
}

/** One page of keys under `prefix` after `startAfter` (one request), and whether more follow. */
export async function keysAfter(e: S3Endpoint, bucket: string, opts: ListOptions): Promise<{ keys: string[]; truncated: boolean }> {
  for await (const page of listPages(e, bucket, opts)) return { keys: page.objects.map(({ key }) => key), truncated: page.truncated };
  return { keys: [], truncated: false };
}

async function* listPages(e: S3Endpoint, bucket: string, opts: ListOptions & { delimiter?: string }): AsyncGenerator<ListPage> {
  let continuationToken: string | undefined;
  do {
    const query: Record<string, string> = { 'list-type': '2' };
    if (opts.prefix) query.prefix = opts.prefix;
    if (opts.delimiter) query.delimiter = opts.delimiter;
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
    yield page;
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
