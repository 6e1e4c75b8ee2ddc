import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { endpointForRegion, prefersVirtualHost } from './addressing.js';
import { bucketRegions, regionFromAnswer } from './bucketRegion.js';
import { endpointIdentity, parseEndpoint, type S3Endpoint } from './endpoint.js';
import type { CredentialSource, Credentials } from './credentials.js';
import { closeListingConnections } from './list.js';
import { socketTimeoutMs } from '../http1/http1Client.js';
import { localhostLookup } from '../http1/localhostLookup.js';
import { tlsCheckOptions, tlsKey } from '../http1/endpointTls.js';

const clients = new Map<string, S3Client>();

/**
 * One SDK client per endpoint identity (and secret, so a rotated key gets a fresh
 * client). Checksums only WHEN_REQUIRED: with the SDK default, streamed uploads
 * go aws-chunked and s3rver (like other S3-compatibles) stores the framing.
 */
export function sdkClient(e: S3Endpoint, region = e.region): S3Client {
  const cacheKey = `${endpointIdentity(e)}\0${e.secretKey}\0${e.pathStyle}\0${region}\0${tlsKey(e.tls)}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new S3Client({
      endpoint: region === e.region ? e.endpoint : endpointForRegion(e.endpoint, region),
      region,
      // A rotating source is read per request from its cached value (refreshed in the background), so the SDK signs with x-amz-security-token too.
      credentials: e.credentials ? sourceProvider(e.credentials) : { accessKeyId: e.accessKey, secretAccessKey: e.secretKey },
      // The signed fast path's rule (libs/s3/addressing.ts); the SDK itself keeps path-style for buckets that are not DNS-safe.
      forcePathStyle: !prefersVirtualHost(e, parseEndpoint(e.endpoint)),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Given as options, the SDK builds its NodeHttpHandler around these agents.
      requestHandler: {
        requestTimeout: socketTimeoutMs(),
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 256, lookup: localhostLookup }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 256, lookup: localhostLookup, ...tlsCheckOptions(e.tls) }),
      },
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/**
 * The source's cached value. The SDK memoizes it until 5 minutes before its expiration and then asks per
 * request; the source has refreshed by then (10 minutes before, or half-way for short-lived ones).
 */
function sourceProvider(source: CredentialSource): () => Promise<Credentials> {
  return async () => source.current ?? (await source.ready());
}

/**
 * Sends a command about one bucket through the SDK, signed for the bucket's region as Ferry's own
 * client knows it (libs/s3/bucketRegion.ts); a wrong-region answer corrects it once, as there.
 */
export async function sendToBucket<T>(e: S3Endpoint, bucket: string, send: (client: S3Client) => Promise<T>): Promise<T> {
  const region = bucketRegions.regionOf(e, bucket);
  try {
    return await send(sdkClient(e, region));
  } catch (err) {
    const named = sdkRegionAnswer(err);
    if (!named || named.region === region) throw err;
    bucketRegions.correct(e, bucket, named);
    return await send(sdkClient(e, named.region));
  }
}

/** The region an SDK error names, read as regionFromAnswer reads a raw answer. */
function sdkRegionAnswer(err: unknown): ReturnType<typeof regionFromAnswer> {
  const e = err as { name?: string; Code?: string; Region?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
  const status = e.$metadata?.httpStatusCode ?? 0;
  const code = e.Code ?? e.name ?? '';
  return regionFromAnswer(status, e.$response?.headers ?? {}, { code, message: e.message, region: e.Region });
}

/** Destroys every cached client and its sockets, the listings' too (for tests and shutdown). */
export function closeSdkClients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
  closeListingConnections();
}
