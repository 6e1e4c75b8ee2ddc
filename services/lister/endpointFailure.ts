import { classifyS3Error, type S3Error } from '../../libs/s3/index.js';

export type EndpointSide = 'source' | 'destination';

/**
 * A listing request to an endpoint failed for good: permanently (refused, not S3, bad TLS) or
 * after the job's retries. Carries what the run's error must name: which side, its URL, the bucket.
 */
export class EndpointListingError extends Error {
  readonly failure: S3Error;

  constructor(
    readonly side: EndpointSide,
    readonly endpoint: string,
    readonly bucket: string,
    cause: unknown,
  ) {
    const failure = classifyS3Error(cause);
    super(`listing ${side} bucket ${bucket} at ${endpoint}: ${endpointCause(failure)}`, { cause });
    this.failure = failure;
  }

  /** The run's error: the listing's failure and how many attempts it took under the job's retry policy. */
  runError(maxRetries: number): string {
    const attempts = this.failure.retryable ? maxRetries + 1 : 1;
    return `${this.message} (${attempts} attempt${attempts === 1 ? '' : 's'})`;
  }
}

/** The cause in one line: HTTP status and S3 code for an answer, the socket's error code (ECONNREFUSED, ENOTFOUND, EPROTO…) otherwise. */
export function endpointCause(failure: S3Error): string {
  if (failure.status > 0) return `HTTP ${failure.status} ${failure.code}: ${failure.message}`;
  const nodeCode = (failure.cause as { code?: unknown } | undefined)?.code;
  const named = typeof nodeCode === 'string' && !failure.message.includes(nodeCode) ? `${nodeCode} ` : '';
  return `${failure.code}: ${named}${failure.message}`;
}

/** Re-throws any failure of `pages` as an EndpointListingError naming its endpoint. */
export async function* guardEndpoint<T>(pages: AsyncIterable<T[]>, side: EndpointSide, endpoint: string, bucket: string): AsyncGenerator<T[]> {
  try {
    yield* pages;
  } catch (err) {
    throw err instanceof EndpointListingError ? err : new EndpointListingError(side, endpoint, bucket, err);
  }
}
