import type { StoredJobDefinition } from '../domain/index.js';
import type { S3Endpoint } from '../s3/index.js';
import type { SecretSealer } from './secretSealer.js';

/** Where a job writes: its own destination endpoint with its unsealed secret, or the source cluster. */
export async function destinationEndpoint(definition: StoredJobDefinition, source: S3Endpoint, sealer: SecretSealer): Promise<S3Endpoint> {
  if (!definition.destination_endpoint) return source;
  const sealed = definition.destination_secret_key_sealed;
  return {
    endpoint: definition.destination_endpoint,
    region: definition.destination_region ?? source.region,
    accessKey: definition.destination_access_key ?? '',
    secretKey: sealed ? await sealer.open(definition.job_id, sealed) : '',
  };
}
