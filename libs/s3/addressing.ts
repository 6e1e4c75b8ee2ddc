import type { ParsedEndpoint, S3Endpoint } from './endpoint.js';
import { encodeKey, encodeSegment } from './uri.js';

/** Where one bucket's requests go: computed once per endpoint and bucket, so a request only joins strings. */
export interface BucketAddress {
  /** Host to connect to. */
  hostname: string;
  /** Host header value. */
  host: string;
  /** Path of the bucket itself ('/' when the bucket is in the host name). */
  bucketPath: string;
  /** Prefix an encoded key is appended to, after a '/'. */
  keyPrefix: string;
}

/**
 * Virtual-hosted-style when the endpoint says `pathStyle: false`, or, left unset, for AWS hosts
 * (*.amazonaws.com); path-style otherwise, as the SDK's forcePathStyle default does for custom endpoints.
 */
export function prefersVirtualHost(e: S3Endpoint, p: ParsedEndpoint): boolean {
  if (e.pathStyle !== undefined) return !e.pathStyle;
  const host = p.hostname.toLowerCase();
  return host === 'amazonaws.com' || host.endsWith('.amazonaws.com');
}

/**
 * The SDK's isVirtualHostableS3Bucket: a lowercase DNS label (or, over plain HTTP, labels
 * joined by dots: over HTTPS a dot would break the wildcard certificate), 3 to 63 characters,
 * not an IP address.
 */
export function isVirtualHostableBucket(bucket: string, https: boolean): boolean {
  if (bucket.length < 3 || bucket.length > 63) return false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return false;
  const labels = bucket.split('.');
  if (https && labels.length > 1) return false;
  return labels.every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}

export function bucketAddress(p: ParsedEndpoint, bucket: string, virtualHost: boolean): BucketAddress {
  if (virtualHost && isVirtualHostableBucket(bucket, p.protocol === 'https:')) {
    return { hostname: `${bucket}.${p.hostname}`, host: `${bucket}.${p.host}`, bucketPath: `${p.basePath}/`, keyPrefix: p.basePath };
  }
  const bucketPath = `${p.basePath}/${encodeSegment(bucket)}`;
  return { hostname: p.hostname, host: p.host, bucketPath, keyPrefix: bucketPath };
}

export function requestPath(a: BucketAddress, key: string | undefined): string {
  return key === undefined ? a.bucketPath : `${a.keyPrefix}/${encodeKey(key)}`;
}
