import type { JobDefinition } from './jobDefinition.js';

/** Which kind of credential an endpoint uses, as GetJob and the job's events say it (never a secret). */
export type CredentialKind = { type: 'static' } | { type: 'default_chain' } | { type: 'role'; role_arn: string };

/** A role when one is named, else static keys when given, else the AWS default chain. */
export function credentialKindOf(spec: { accessKey?: string; secretKey?: string; roleArn?: string }): CredentialKind {
  if (spec.roleArn) return { type: 'role', role_arn: spec.roleArn };
  if (spec.accessKey && spec.secretKey) return { type: 'static' };
  return { type: 'default_chain' };
}

/** `static`, `default_chain`, or `role <arn>`. */
export function describeCredentialKind(kind: CredentialKind): string {
  switch (kind.type) {
    case 'static':
      return 'static';
    case 'default_chain':
      return 'default_chain';
    case 'role':
      return `role ${kind.role_arn}`;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * The credential kinds a job uses: its source is the deployment's source (static keys when the operator
 * configured them, else the default chain) unless it names source_role_arn; its destination has its own
 * keys, or the chain when it names an endpoint without keys, or the source's when it names none.
 */
export function jobCredentialKinds(
  def: Pick<JobDefinition, 'destination_endpoint' | 'destination_access_key' | 'source_role_arn' | 'destination_role_arn'>,
  sourceHasKeys: boolean,
): { source_credentials: string; destination_credentials: string } {
  const sourceKeys = sourceHasKeys ? { accessKey: 'k', secretKey: 'k' } : {};
  const destinationKeys = def.destination_endpoint === undefined ? sourceKeys : def.destination_access_key ? { accessKey: 'k', secretKey: 'k' } : {};
  return {
    source_credentials: describeCredentialKind(credentialKindOf({ ...sourceKeys, roleArn: def.source_role_arn })),
    destination_credentials: describeCredentialKind(credentialKindOf({ ...destinationKeys, roleArn: def.destination_role_arn })),
  };
}
