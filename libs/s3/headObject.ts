import type { S3Endpoint } from './endpoint.js';
import { withRetry, type RetryOptions } from './retry.js';
import { S3Error } from './s3Error.js';
import { header, SignedHttp, unquoteEtag } from './signedHttp.js';

/** What a HEAD tells of one object: a listing's facts and the version it is. */
export interface ObjectHead {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  /** ISO 8601. */
  last_modified: string;
  /** x-amz-version-id; absent from a bucket that never had versioning. */
  version_id?: string;
}

const http = new SignedHttp();

/** Closes the HEAD sockets (tests and shutdown). */
export function closeHeadConnections(): void {
  http.close();
}

/**
 * HEADs an object, transient failures retried with backoff; undefined when there is no such key.
 * Other refusals (AccessDenied, NoSuchBucket) are thrown as S3Error.
 */
export async function headObject(
  e: S3Endpoint,
  bucket: string,
  key: string,
  opts: { signal?: AbortSignal; retry?: Omit<RetryOptions, 'signal'> } = {},
): Promise<ObjectHead | undefined> {
  return withRetry(async () => {
    try {
      const { res } = await http.call(e, { method: 'HEAD', bucket, key, signal: opts.signal });
      const modified = header(res.headers, 'last-modified');
      const version = header(res.headers, 'x-amz-version-id');
      return {
        key,
        size: Number(header(res.headers, 'content-length') ?? 0),
        etag: unquoteEtag(header(res.headers, 'etag')),
        last_modified: modified === undefined ? '' : new Date(modified).toISOString(),
        ...(version === undefined ? {} : { version_id: version }),
      };
    } catch (err) {
      if (err instanceof S3Error && err.status === 404 && err.code !== 'NoSuchBucket') return undefined;
      throw err;
    }
  }, { ...opts.retry, signal: opts.signal });
}
