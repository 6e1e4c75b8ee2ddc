import { createHash } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { FerryError } from '../domain/errors.js';
import { assumeRole, stsEndpointOf } from './assumeRole.js';
import { CredentialSource, credentialKindOf, type CredentialKind, type Credentials } from '../s3/credentials.js';
import { tlsKey, type EndpointTls } from '../http1/endpointTls.js';

/** How one side of a job (or the deployment's source) authenticates, as configured. */
export interface CredentialSpec {
  accessKey?: string;
  secretKey?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  stsEndpoint?: string;
  region: string;
  /** The field naming the role, for errors. */
  roleField?: string;
  /** How an https sts_endpoint's certificate is checked (the S3 endpoint's settings). */
  tls?: EndpointTls;
}

const sources = new Map<string, CredentialSource>();

/**
 * The process's credential source for a spec, or undefined for plain static keys (signed as before).
 * Sources are shared by id, so every copy of a job in this process (and every job with the same
 * chain or role) signs with one resolved, refreshed value.
 */
export function credentialSourceFor(spec: CredentialSpec): CredentialSource | undefined {
  const kind = credentialKindOf(spec);
  if (kind.type === 'static') return undefined;
  const baseId = spec.accessKey && spec.secretKey ? `static:${spec.accessKey}:${fingerprint(spec.secretKey)}` : 'default_chain';
  const id =
    kind.type === 'default_chain'
      ? baseId
      : `role:${stsEndpointOf(spec)}|${spec.region}|${kind.role_arn}|${spec.externalId ?? ''}|${spec.sessionName ?? ''}|${baseId}|${tlsKey(spec.tls)}`;
  let source = sources.get(id);
  if (!source) {
    source = new CredentialSource(id, kind, fetcherFor(spec, kind));
    sources.set(id, source);
  }
  return source;
}

function fetcherFor(spec: CredentialSpec, kind: CredentialKind): () => Promise<Credentials> {
  const base = baseFetcher(spec);
  if (kind.type !== 'role') return base;
  return async () =>
    assumeRole(
      { roleArn: kind.role_arn, externalId: spec.externalId, sessionName: spec.sessionName, stsEndpoint: spec.stsEndpoint, region: spec.region, field: spec.roleField ?? 'role_arn', tls: spec.tls },
      await base(),
    );
}

function baseFetcher(spec: CredentialSpec): () => Promise<Credentials> {
  if (spec.accessKey && spec.secretKey) {
    const fixed = { accessKeyId: spec.accessKey, secretAccessKey: spec.secretKey };
    return async () => fixed;
  }
  const chain = defaultChain();
  return async () => {
    try {
      return await chain();
    } catch (err) {
      throw new FerryError('FAILED_PRECONDITION', `no credentials: none configured and the default chain found none (${(err as Error).message})`, [{ reason: 'no credentials' }], { cause: err });
    }
  };
}

let chainProvider: ReturnType<typeof fromNodeProviderChain> | undefined;

/**
 * The AWS CLI's chain: environment, shared files (AWS_PROFILE), SSO, web identity, container, IMDSv2.
 * Asked with forceRefresh: otherwise, within 5 minutes of expiry, the chain answers its cached value and
 * refreshes in the background, so a refresh after a rotation would get the credentials just rotated out.
 */
function defaultChain(): () => Promise<Credentials> {
  const chain = (chainProvider ??= fromNodeProviderChain());
  return () => chain({ forceRefresh: true });
}

/** Tells sources apart that share an access key but not a secret, without keeping the secret in an id. */
function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/** Stops every source's refresh timer and forgets them (tests and shutdown). */
export function closeCredentialSources(): void {
  for (const source of sources.values()) source.close();
  sources.clear();
  chainProvider = undefined;
}
