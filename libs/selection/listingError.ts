/** A listing of one side that could not be read; `cause` is the S3 (or transport) error, so callers can classify it. */
export class BucketListingError extends Error {
  constructor(
    readonly side: 'source' | 'destination',
    readonly bucket: string,
    override readonly cause: unknown,
  ) {
    super(`listing ${side} ${bucket}: ${String(cause)}`);
  }
}
