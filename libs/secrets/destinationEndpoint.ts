import { invalidField, type StoredJobDefinition } from '../domain/index.js';
import { hostOf, resolveChecked, type AddressPolicy } from '../net/index.js';
import type { S3Endpoint } from '../s3/index.js';
import type { SecretSealer } from './secretSealer.js';

/**
 * Where a job writes: its own destination endpoint with its unsealed secret, or the source cluster.
 * With a policy, the destination's host is resolved and refused (INVALID_ARGUMENT naming
 * destination_endpoint) when any of its addresses is one the policy refuses.
 */
export async function destinationEndpoint(definition: StoredJobDefinition, source: S3Endpoint, sealer: SecretSealer, policy?: AddressPolicy): Promise<S3Endpoint> {
  if (!definition.destination_endpoint) return source;
  if (policy) await checkDestinationAddress(definition.destination_endpoint, policy);
  const sealed = definition.destination_secret_key_sealed;
  return {
    endpoint: definition.destination_endpoint,
    region: definition.destination_region ?? source.region,
    accessKey: definition.destination_access_key ?? '',
    secretKey: sealed ? await sealer.open(definition.job_id, sealed) : '',
  };
}

/** Resolves a destination endpoint's host and refuses it when the policy refuses any of its addresses. */
export async function checkDestinationAddress(endpoint: string, policy: AddressPolicy): Promise<void> {
  const resolved = await resolveChecked(hostOf(new URL(endpoint)), policy);
  if (!resolved.ok && resolved.refused) {
    throw invalidField('destination_endpoint', `${resolved.error} (an operator may allow it with ferry.destinations.allow_link_local)`);
  }
}
