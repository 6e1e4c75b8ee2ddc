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

/** AWS S3's global and regional hosts: s3.amazonaws.com, s3.<region>.amazonaws.com, s3-<region>.amazonaws.com, and dual-stack. */
const AWS_S3_HOST = /^s3(\.dualstack)?(?:[.-](?!accelerate\b)[a-z0-9-]+)?\.amazonaws\.com$/i;

/**
 * The endpoint to send a bucket's requests to once its region is known: an AWS S3 host is
 * swapped for the region's own (a regional endpoint answers 301 for another region's bucket);
 * any other endpoint serves its buckets whatever region they are signed for, and is kept.
 */
export function endpointForRegion(endpoint: string, region: string): string {
  const url = new URL(endpoint);
  const aws = AWS_S3_HOST.exec(url.hostname);
  if (!aws) return endpoint;
  url.hostname = `s3${aws[1] ?? ''}.${region}.amazonaws.com`;
  return url.toString().replace(/\/$/, '');
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
