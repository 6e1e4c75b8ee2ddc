import { FerryError } from '../../libs/domain/index.js';
import { classifyS3Error, endpointCause, type S3Endpoint, type S3Error } from '../../libs/s3/index.js';
import { BucketListingError, CopiedLookupFailed } from '../../libs/selection/index.js';

export { endpointCause };

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

interface RunEndpoints {
  source: S3Endpoint;
  destination: S3Endpoint;
}

/**
 * Re-throws a failure of a run's selection as an EndpointListingError naming the side, its URL and
 * bucket. A failure outside either listing (a tag request) is the source's; a FerryError (a listing
 * Ferry cannot trust, such as keys out of order) stays what it is.
 */
export async function* guardEndpoints<T>(
  pages: AsyncIterable<T[]>,
  run: RunEndpoints,
  buckets: { source_bucket: string; destination_bucket: string },
): AsyncGenerator<T[]> {
  try {
    yield* pages;
  } catch (err) {
    if (err instanceof EndpointListingError || err instanceof FerryError) throw err;
    // Ferry's own store (NATS) failed, not an endpoint: the listing is tried again, the run not failed.
    if (err instanceof CopiedLookupFailed) throw err.cause;
    if (err instanceof BucketListingError) {
      if (err.cause instanceof FerryError) throw err.cause;
      throw new EndpointListingError(err.side, run[err.side].endpoint, err.bucket, err.cause);
    }
    throw new EndpointListingError('source', run.source.endpoint, buckets.source_bucket, err);
  }
}
