import { invalidField, type JobDefinition, type StoredJobDefinition } from '../domain/index.js';
import { hostOf, resolveChecked, type AddressPolicy } from '../net/index.js';
import type { EndpointTls } from '../http1/index.js';
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
  const secretKey = sealed ? await sealer.open(definition.job_id, sealed) : '';
  return withJobCredentials(ownDestination(definition, definition.destination_endpoint, source.region, secretKey), definition, 'destination_role_arn');
}

type DestinationFields = Pick<JobDefinition, 'destination_region' | 'destination_path_style' | 'destination_access_key' | 'destination_ca_bundle' | 'destination_insecure_skip_verify'>;

/** The job's own destination endpoint as its fields describe it, signed with `secretKey` (unsealed) and its access key. */
export function ownDestination(definition: DestinationFields, endpoint: string, sourceRegion: string, secretKey: string): S3Endpoint {
  const tls = destinationTls(definition);
  return {
    endpoint,
    region: definition.destination_region ?? sourceRegion,
    ...(definition.destination_path_style === undefined ? {} : { pathStyle: definition.destination_path_style }),
    ...(tls === undefined ? {} : { tls }),
    accessKey: definition.destination_access_key ?? '',
    secretKey,
  };
}

/** How the job's own destination endpoint's certificate is checked; undefined for the defaults (Node's roots and AWS_CA_BUNDLE). */
export function destinationTls(definition: Pick<JobDefinition, 'destination_ca_bundle' | 'destination_insecure_skip_verify'>): EndpointTls | undefined {
  if (definition.destination_insecure_skip_verify) return { insecureSkipVerify: true };
  if (definition.destination_ca_bundle !== undefined) return { ca: definition.destination_ca_bundle };
  return undefined;
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
