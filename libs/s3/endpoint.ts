import type { CredentialSource, Credentials } from './credentials.js';
import type { EndpointTls } from '../http1/endpointTls.js';

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** Credentials from the default chain or a role, refreshed in place; when set, accessKey/secretKey are unused. */
  credentials?: CredentialSource;
  /** false: the endpoint omits x-amz-tagging-count on tagged objects (s3rver), so tags are fetched per object. Default true. */
  taggingCountHeader?: boolean;
  /** false: virtual-hosted-style (bucket in the host name); unset: virtual-hosted for *.amazonaws.com, path-style elsewhere. */
  pathStyle?: boolean;
  /** How an https endpoint's certificate is checked; unset: against Node's roots and AWS_CA_BUNDLE. */
  tls?: EndpointTls;
}

/** The credentials to sign with now: the source's current value (no await on the hot path), else the static keys. */
export function signingCredentials(e: S3Endpoint): Credentials {
  if (!e.credentials) return { accessKeyId: e.accessKey, secretAccessKey: e.secretKey };
  const current = e.credentials.current;
  if (!current) throw new Error(`credentials for ${e.endpoint} used before they were resolved`);
  return current;
}

export interface ParsedEndpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** Host header value: hostname, plus the port when it is not the scheme's default. */
  host: string;
  /** Path prefix the endpoint is mounted under, without a trailing slash ('' for none). */
  basePath: string;
}

export function parseEndpoint(endpoint: string): ParsedEndpoint {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`unsupported S3 endpoint scheme: ${url.protocol}`);
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return {
    protocol: url.protocol,
    hostname: url.hostname,
    port,
    host: url.host.toLowerCase(),
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

/**
 * Two endpoints with the same identity are the same cluster seen with the same
 * credentials, so the destination can read the source with a server-side copy.
 * The access key is part of it: other credentials may not be allowed to read.
 */
export function endpointIdentity(e: S3Endpoint): string {
  // Rotating credentials are named by their source's stable id, so a rotation keeps pools and server-side copies.
  const who = e.credentials ? e.credentials.id : e.accessKey;
  const seen = identities.get(e);
  if (seen && seen.endpoint === e.endpoint && seen.region === e.region && seen.accessKey === who) return seen.id;
  const p = parseEndpoint(e.endpoint);
  const id = `${p.protocol}//${p.hostname.toLowerCase()}:${p.port}${p.basePath}|${e.region}|${who}`;
  identities.set(e, { endpoint: e.endpoint, region: e.region, accessKey: who, id });
  return id;
}

/** The copy engine asks several times per object about the same endpoint objects; parsing the URL each time showed in profiles. */
const identities = new WeakMap<S3Endpoint, { endpoint: string; region: string; accessKey: string; id: string }>();
