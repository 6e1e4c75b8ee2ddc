import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Endpoint } from './endpoint.js';
import { withRetry } from './retry.js';
import { sdkClient } from './sdkClient.js';

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
}

/**
 * ListObjectsV2 pages in key order. Transient failures of a page are retried
 * with backoff; permanent ones (NoSuchBucket, AccessDenied, bad credentials)
 * are thrown at once as S3Error.
 */
export async function* listObjects(e: S3Endpoint, bucket: string, opts: ListOptions = {}): AsyncGenerator<ListedObject[]> {
  const client = sdkClient(e);
  let continuationToken: string | undefined;
  do {
    const page = await withRetry(
      () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: opts.prefix || undefined,
            StartAfter: continuationToken ? undefined : opts.startAfter || undefined,
            ContinuationToken: continuationToken,
            MaxKeys: opts.pageSize,
          }),
          { abortSignal: opts.signal },
        ),
      { signal: opts.signal },
    );
    const objects = (page.Contents ?? []).map(
      (o): ListedObject => ({
        key: o.Key ?? '',
        size: o.Size ?? 0,
        etag: (o.ETag ?? '').replace(/"/g, ''),
        last_modified: (o.LastModified ?? new Date(0)).toISOString(),
      }),
    );
    if (objects.length > 0) yield objects;
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}
