import type { CopyRequest } from './copyTypes.js';
import type { S3Endpoint } from './endpoint.js';
import { factsFromHead, type ObjectFacts } from './objectChecks.js';
import { withRetry, type RetryOptions } from './retry.js';
import { classifyS3Error } from './s3Error.js';
import { SignedHttp } from './signedHttp.js';

/** HEAD of one object; with `checksums`, asking for its x-amz-checksum-* values. Undefined when there is no such key. */
export async function headObject(http: SignedHttp, req: Pick<CopyRequest, 'signal'>, side: { endpoint: S3Endpoint; bucket: string; key: string }, checksums: boolean): Promise<ObjectFacts | undefined> {
  try {
    const { res } = await http.call(side.endpoint, {
      method: 'HEAD',
      bucket: side.bucket,
      key: side.key,
      signal: req.signal,
      ...(checksums ? { headers: { 'x-amz-checksum-mode': 'ENABLED' } } : {}),
    });
    return factsFromHead(res.headers);
  } catch (err) {
    const e = classifyS3Error(err);
    if (e.status === 404) return undefined;
    throw e;
  }
}

/** What a HEAD tells of one object, as a listing would: for selecting it without a listing (a manifest's rows). */
export interface ObjectHead {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  /** ISO 8601. */
  last_modified: string;
  version_id?: string;
}

const http = new SignedHttp();

/** Closes the sockets of headListed (tests and shutdown). */
export function closeHeadConnections(): void {
  http.close();
}

/**
 * HEADs an object as a listing entry, transient failures retried with backoff; undefined when there is no
 * such key (a HEAD cannot tell a missing bucket: callers that care list one page first). Other refusals
 * (AccessDenied) are thrown as S3Error.
 */
export async function headListed(
  e: S3Endpoint,
  bucket: string,
  key: string,
  opts: { signal?: AbortSignal; retry?: Omit<RetryOptions, 'signal'> } = {},
): Promise<ObjectHead | undefined> {
  const facts = await withRetry(() => headObject(http, { signal: opts.signal }, { endpoint: e, bucket, key }, false), { ...opts.retry, signal: opts.signal });
  if (facts === undefined) return undefined;
  return { key, size: facts.size, etag: facts.etag, last_modified: facts.lastModified ?? '', ...(facts.versionId ? { version_id: facts.versionId } : {}) };
}
