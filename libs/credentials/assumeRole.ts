import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { FerryError } from '../domain/errors.js';
import { SigV4Signer } from '../s3/sigv4.js';
import { readAssumeRoleCredentials, readErrorFields } from '../s3/responseDocuments.js';
import { S3Error } from '../s3/s3Error.js';
import { tlsCheckOptions, type EndpointTls } from '../http1/endpointTls.js';
import { socketTimedOut, socketTimeoutMs } from '../http1/http1Client.js';
import type { Credentials } from '../s3/credentials.js';

export interface AssumeRoleRequest {
  roleArn: string;
  externalId?: string;
  sessionName?: string;
  /** An STS endpoint URL (a Ceph RGW's own URL for its STS); AWS's regional STS when absent. */
  stsEndpoint?: string;
  region: string;
  /** The field naming the role in the job, for the error a refused role gets. */
  field: string;
  durationSeconds?: number;
  /** How an https STS endpoint's certificate is checked: as the S3 endpoint's whose role it is. */
  tls?: EndpointTls;
}

export function stsEndpointOf(request: Pick<AssumeRoleRequest, 'stsEndpoint' | 'region'>): string {
  return request.stsEndpoint ?? `https://sts.${request.region}.amazonaws.com`;
}

/**
 * STS AssumeRole signed with `master`, its answer parsed by hand: Ceph RGW answers STS errors in S3's
 * `<Error>` format, which the SDK's STS client reports as Unknown, so the code is read from either form.
 * A refused role is PERMISSION_DENIED (4xx) naming the role; an unreachable STS is UNAVAILABLE.
 */
export async function assumeRole(request: AssumeRoleRequest, master: Credentials): Promise<Credentials> {
  const url = new URL(stsEndpointOf(request));
  const form = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: request.roleArn,
    RoleSessionName: request.sessionName ?? 'ferry',
    DurationSeconds: String(request.durationSeconds ?? 3600),
  });
  if (request.externalId !== undefined) form.set('ExternalId', request.externalId);
  const body = form.toString();
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
  };
  const path = url.pathname === '' ? '/' : url.pathname;
  new SigV4Signer(master.accessKeyId, master.secretAccessKey, request.region, 'sts', master.sessionToken).sign('POST', path, undefined, headers);
  delete headers.host;
  let status: number;
  let text: string;
  try {
    ({ status, text } = await post(url, headers, body, request.tls));
  } catch (err) {
    throw new FerryError('UNAVAILABLE', `${request.field}: cannot reach STS at ${url.origin} to assume role ${request.roleArn}: ${String(err)}`, [{ field: request.field, reason: 'STS unreachable' }], { cause: err });
  }
  if (status < 200 || status >= 300) {
    const { code = `HTTP ${status}`, message } = readErrorFields(text);
    const reason = `cannot assume role ${request.roleArn}: ${code}${message ? ` (${message})` : ''}`;
    throw new FerryError(status >= 500 ? 'UNAVAILABLE' : 'PERMISSION_DENIED', `${request.field}: ${reason}`, [{ field: request.field, reason }]);
  }
  try {
    return readAssumeRoleCredentials(text);
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    throw new FerryError('UNAVAILABLE', `${request.field}: STS at ${url.origin} answered AssumeRole for ${request.roleArn} without credentials: ${err.message}`, [{ field: request.field, reason: 'no credentials in the STS answer' }], { cause: err });
  }
}

/** A small form POST and its whole answer; a silent socket fails after the endpoint timeout. */
function post(url: URL, headers: Record<string, string>, body: string, tls: EndpointTls | undefined): Promise<{ status: number; text: string }> {
  const secure = url.protocol === 'https:';
  const timeout = socketTimeoutMs();
  return new Promise((resolve, reject) => {
    // No pooled socket: the global agent's pool key does not tell TLS contexts apart, and STS is asked rarely.
    const options = { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout, agent: false as const, ...(secure ? tlsCheckOptions(tls) : {}) };
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(socketTimedOut(timeout)));
    req.once('error', reject);
    req.end(body);
  });
}
