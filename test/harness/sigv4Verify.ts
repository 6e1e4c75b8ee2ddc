/**
 * Checks a SigV4-signed request as S3 and STS do (access key, x-amz-security-token, expiry, the whole
 * signature), for test endpoints: s3rver accepts any SigV4 signature from a known access key.
 */
import type { IncomingMessage } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** What a server knows of an access key: its secret, and for temporary credentials their token and expiry. */
export interface KnownKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Undefined when the request is signed right by a known key; else the refusal S3 would answer. */
export async function verifySigV4(req: IncomingMessage, service: string, known: (accessKeyId: string) => KnownKey | undefined, payloadHash?: string): Promise<Refusal | undefined> {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { status: 403, code: 'AccessDenied', message: 'no SigV4 authorization' };
  const [, accessKeyId, , region, signedService, signedHeaders, signature] = m as unknown as string[];
  const creds = known(accessKeyId!);
  if (!creds) return { status: 403, code: 'InvalidAccessKeyId', message: `unknown access key ${accessKeyId}` };
  if (creds.sessionToken !== undefined && req.headers['x-amz-security-token'] !== creds.sessionToken) return { status: 403, code: 'InvalidToken', message: 'the security token does not belong to the access key' };
  if (creds.expiration !== undefined && creds.expiration.getTime() <= Date.now()) return { status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' };
  if (signedService !== service) return { status: 403, code: 'SignatureDoesNotMatch', message: `signed for ${signedService}` };
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const pair of url.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      query[decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq))] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    }
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = req.headers[name];
    headers[name] = Array.isArray(value) ? value.join(',') : (value ?? '');
  }
  if (payloadHash !== undefined) headers['x-amz-content-sha256'] ??= payloadHash;
  const date = String(req.headers['x-amz-date'] ?? '');
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({
    service,
    region: region!,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: true,
  });
  const signed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', path: q >= 0 ? url.slice(0, q) : url, query, headers, body: undefined },
    { signingDate, signableHeaders: new Set(signedHeaders!.split(';')) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
  if (expected !== signature) return { status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
  return undefined;
}
