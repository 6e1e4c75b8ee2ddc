import { FerryError, copiesAllVersions, versioningRefusal, type StoredJobDefinition } from '../../libs/domain/index.js';
import type { AddressPolicy } from '../../libs/net/index.js';
import { S3Error, endpointCause, getBucketVersioning, type S3Endpoint } from '../../libs/s3/index.js';
import { destinationEndpoint, type SecretSealer } from '../../libs/secrets/index.js';

/**
 * For a `versions: all` job, the destination bucket's versioning read through the job's own
 * credentials (GetBucketVersioning): the refusal of a start when it is not Enabled (versioningRefusal),
 * FAILED_PRECONDITION or PERMISSION_DENIED when it cannot be read, UNAVAILABLE when the answer was transient.
 */
export async function checkDestinationVersioning(definition: StoredJobDefinition, source: S3Endpoint, sealer: SecretSealer, policy: AddressPolicy): Promise<void> {
  if (!copiesAllVersions(definition)) return;
  await requireVersionedDestination(definition, await destinationEndpoint(definition, source, sealer, policy));
}

/** The same check at a destination endpoint already resolved (a dry run's, from the request). */
export async function requireVersionedDestination(definition: Pick<StoredJobDefinition, 'versions' | 'destination_bucket'>, destination: S3Endpoint): Promise<void> {
  if (!copiesAllVersions(definition)) return;
  let versioning;
  try {
    versioning = await getBucketVersioning(destination, definition.destination_bucket);
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    throw versioningUnreadable(definition.destination_bucket, err);
  }
  const refusal = versioningRefusal(definition, versioning);
  if (refusal) throw refusal;
}

export function versioningUnreadable(bucket: string, err: S3Error): FerryError {
  // A server without bucket versioning at all (s3rver) answers 501 NotImplemented.
  const cause = err.code === 'NotImplemented' ? `the destination does not implement bucket versioning (${endpointCause(err)})` : endpointCause(err);
  const code = err.retryable ? 'UNAVAILABLE' : err.code === 'AccessDenied' ? 'PERMISSION_DENIED' : 'FAILED_PRECONDITION';
  return new FerryError(code, `versions: all: the versioning of destination bucket ${bucket} cannot be read: ${cause}`, [{ field: 'destination_bucket', reason: `versioning unreadable (${err.code})` }], { cause: err });
}
