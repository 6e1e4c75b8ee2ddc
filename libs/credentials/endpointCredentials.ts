import type { StoredJobDefinition } from '../domain/jobDefinition.js';
import type { S3Endpoint } from '../s3/endpoint.js';
import { credentialSourceFor } from './resolveCredentials.js';

/**
 * The endpoint as it signs: static keys as given, else the process's default-chain source; through the
 * job's role when `roleField` names one. Resolved before it is returned (a role the user may not assume
 * throws PERMISSION_DENIED naming `roleField` and the role), so the hot path only reads a cached value.
 */
export async function withJobCredentials(base: S3Endpoint, definition: StoredJobDefinition | undefined, roleField?: 'source_role_arn' | 'destination_role_arn'): Promise<S3Endpoint> {
  const roleArn = definition && roleField ? definition[roleField] : undefined;
  const credentials = credentialSourceFor({
    accessKey: base.accessKey || undefined,
    secretKey: base.secretKey || undefined,
    roleArn,
    externalId: definition?.external_id,
    sessionName: definition?.session_name,
    stsEndpoint: definition?.sts_endpoint,
    region: base.region,
    roleField,
    tls: base.tls,
  });
  if (!credentials) return base.credentials ? { ...base, credentials: undefined } : base;
  await credentials.ready();
  return credentials === base.credentials ? base : { ...base, credentials };
}
