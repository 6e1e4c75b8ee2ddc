import { endpointIdentity, type S3Endpoint } from './endpoint.js';

export type EtagEcho = 'unknown' | 'computes-md5' | 'other';

/**
 * Whether a destination bucket answers a single PUT with the MD5 it computed of the body as
 * ETag (S3 without SSE-KMS, MinIO, s3rver...). Such an answer verifies a copy of a source
 * whose ETag is a plain MD5 (the two must be equal), so the copier need not hash the bytes
 * too. Only an answer to a PUT sent without Content-MD5 teaches it, since a server could echo
 * that header back; a bucket that once answers anything else is hashed into from then on.
 */
const echo = new Map<string, EtagEcho>();

const keyOf = (e: S3Endpoint, bucket: string) => `${endpointIdentity(e)}|${bucket}`;

export function etagEcho(e: S3Endpoint, bucket: string): EtagEcho {
  return echo.get(keyOf(e, bucket)) ?? 'unknown';
}

/** Records a PUT's answer: `computed` when it came without Content-MD5 and its ETag is the MD5 of what was sent. */
export function noteEtagAnswer(e: S3Endpoint, bucket: string, computed: boolean): void {
  const key = keyOf(e, bucket);
  if (echo.get(key) === 'other') return;
  if (!computed) echo.set(key, 'other');
  else echo.set(key, 'computes-md5');
}
