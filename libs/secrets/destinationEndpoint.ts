import { invalidField, type StoredJobDefinition } from '../domain/index.js';
import { hostOf, resolveChecked, type AddressPolicy } from '../net/index.js';
import type { S3Endpoint } from '../s3/index.js';
import type { SecretSealer } from './secretSealer.js';
import { withJobCredentials } from '../credentials/endpointCredentials.js';

/**
 * Where a job writes: its own destination endpoint with its unsealed secret, or the source cluster.
 * With a policy, the destination's host is resolved and refused (INVALID_ARGUMENT naming
 * destination_endpoint) when any of its addresses is one the policy refuses.
 */
export async function destinationEndpoint(definition: StoredJobDefinition, source: S3Endpoint, sealer: SecretSealer, policy?: AddressPolicy): Promise<S3Endpoint> {
  if (!definition.destination_endpoint) return withJobCredentials(source, definition, 'destination_role_arn');
  if (policy) await checkDestinationAddress(definition.destination_endpoint, policy);
  const sealed = definition.destination_secret_key_sealed;
  return withJobCredentials(
    {
      endpoint: definition.destination_endpoint,
      region: definition.destination_region ?? source.region,
      ...(definition.destination_path_style === undefined ? {} : { pathStyle: definition.destination_path_style }),
      accessKey: definition.destination_access_key ?? '',
      secretKey: sealed ? await sealer.open(definition.job_id, sealed) : '',
    },
    definition,
    'destination_role_arn',
  );
}

/** Where a job reads: the deployment's source, through the job's source_role_arn when it names one. */
export function sourceEndpoint(definition: StoredJobDefinition, source: S3Endpoint): Promise<S3Endpoint> {
  return withJobCredentials(source, definition, 'source_role_arn');
}

/** Resolves a destination endpoint's host and refuses it when the policy refuses any of its addresses. */
export async function checkDestinationAddress(endpoint: string, policy: AddressPolicy): Promise<void> {
  const resolved = await resolveChecked(hostOf(new URL(endpoint)), policy);
  if (!resolved.ok && resolved.refused) {
    throw invalidField('destination_endpoint', `${resolved.error} (an operator may allow it with ferry.destinations.allow_link_local)`);
  }
}
