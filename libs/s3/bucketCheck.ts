import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { resolveChecked, type AddressPolicy } from '../net/index.js';
import { bucketAddress, prefersVirtualHost } from './addressing.js';
import { parseEndpoint, type S3Endpoint } from './endpoint.js';
import { isLocalhostName } from '../http1/localhostLookup.js';
import { isTransportFailure } from '../http1/transportFailure.js';
import { tlsCheckOptions, type EndpointTls } from '../http1/endpointTls.js';
import { notAListing } from './list.js';
import { socketTimedOut, socketTimeoutMs } from '../http1/http1Client.js';
import { classifyS3Error, S3Error } from './s3Error.js';
import { SignedHttp } from './signedHttp.js';
import { bucketSteps, checkOk, failedWith, passed, signatureStep, skipped, type BucketCheck, type CheckSide, type CheckStep } from './checkSteps.js';

export interface BucketCheckRequest {
  side: CheckSide;
  /** The endpoint's URL as configured: named in the answer; its host (with the bucket in front when virtual-hosted) is resolved and connected to. */
  endpoint: string;
  bucket: string;
  /** As the side's S3Endpoint says: false for virtual-hosted-style, unset for the default (virtual-hosted for AWS hosts). */
  pathStyle?: boolean;
  /** As the side's S3Endpoint says: the CA its certificate is checked against, or no check at all. */
  tls?: EndpointTls;
  /** The endpoint as it signs (static keys, the default chain or a role); its failure fails the credentials step. */
  signing: () => Promise<S3Endpoint>;
  /** Which kind of credential the side uses (`static`, `default_chain`, `role <arn>`), for the credentials step. */
  credentialKind?: string;
  /** Addresses the side may not reach (the destination policy); none refused when absent. */
  policy?: AddressPolicy;
  /** Where to PUT a zero-byte object and DELETE it again; without it there is no write probe. */
  probeKey?: string;
  /** Why there is no write probe, shown on the skipped write and delete steps. */
  noProbeReason?: string;
}

const NO_POLICY: AddressPolicy = { refused: new Set() };

/** The check's requests share keep-alive sockets per endpoint, as listings do. */
const http = new SignedHttp();

/** Closes the check's sockets (tests and shutdown). */
export function closeCheckConnections(): void {
  http.close();
}

/**
 * Reaches one bucket step by step and says what passed and what failed. Credentials are resolved
 * while the endpoint is resolved, connected to and (for https) shaken hands with; the signed requests
 * follow: ListBuckets (the signature), ListObjectsV2 of 0 keys (bucket and list permission, with a HEAD
 * of the bucket when listing is denied), and on request a zero-byte PUT and its DELETE. A step whose
 * prerequisite failed is skipped. Every wait is bounded by the endpoint timeout (ferry.endpoint_timeout).
 */
export async function checkBucket(req: BucketCheckRequest): Promise<BucketCheck> {
  const [credentials, reach] = await Promise.all([resolveCredentials(req), reachEndpoint(req)]);
  const steps: CheckStep[] = [credentials.step, ...reach.steps];
  const probeSkipped = req.noProbeReason ?? 'not asked (write_probe)';
  const signing = credentials.endpoint;
  if (!signing || !reach.ok) {
    const why = !reach.ok ? 'the endpoint cannot be reached' : 'no credentials to sign with';
    for (const name of ['signature', 'bucket', 'list'] as const) steps.push(skipped(name, why));
    steps.push(skipped('write', req.probeKey ? why : probeSkipped), skipped('delete', req.probeKey ? why : probeSkipped));
    return { side: req.side, endpoint: req.endpoint, bucket: req.bucket, ok: checkOk(steps), steps };
  }
  const signature = signatureStep(await failureOf(() => http.call(signing, { method: 'GET', bucket: '' })), req.endpoint);
  steps.push(signature);
  if (signature.status === 'failed') {
    steps.push(skipped('bucket', 'the signature was refused'), skipped('list', 'the signature was refused'));
    steps.push(skipped('write', req.probeKey ? 'the signature was refused' : probeSkipped), skipped('delete', req.probeKey ? 'the signature was refused' : probeSkipped));
    return { side: req.side, endpoint: req.endpoint, bucket: req.bucket, ok: false, steps };
  }
  const listing = await failureOf(async () => {
    const { res, body } = await http.call(signing, { method: 'GET', bucket: req.bucket, query: { 'list-type': '2', 'max-keys': '0' } });
    const text = body.toString('utf8');
    if (!text.includes('<ListBucketResult')) throw notAListing(res.statusCode ?? 0, res.headers['content-type'], text);
  });
  const headStatus = listing?.code === 'AccessDenied' ? await statusOfHead(signing, req.bucket) : undefined;
  const [bucket, list] = bucketSteps(req.bucket, listing, headStatus);
  steps.push(bucket, list);
  steps.push(...(await probeSteps(signing, req, bucket, probeSkipped)));
  return { side: req.side, endpoint: req.endpoint, bucket: req.bucket, ok: checkOk(steps), steps };
}

async function resolveCredentials(req: BucketCheckRequest): Promise<{ step: CheckStep; endpoint?: S3Endpoint }> {
  const kind = req.credentialKind ?? 'static';
  try {
    const endpoint = await req.signing();
    return { step: passed('credentials', `${kind} credentials resolved`), endpoint };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const code = cause instanceof S3Error ? cause.code : ((err as { code?: unknown }).code as string | undefined);
    const step: CheckStep = { name: 'credentials', status: 'failed', detail: `${kind} credentials: ${(err as Error).message}`, cause: (err as Error).message };
    if (code !== undefined) step.code = code;
    return { step };
  }
}

/** DNS, TCP and, for https, TLS, to the host the bucket's requests go to: each needs the one before. */
async function reachEndpoint(req: BucketCheckRequest): Promise<{ ok: boolean; steps: CheckStep[] }> {
  const url = parseEndpoint(req.endpoint);
  const virtualHost = prefersVirtualHost({ endpoint: req.endpoint, region: '', accessKey: '', secretKey: '', pathStyle: req.pathStyle }, url);
  const host = bucketAddress(url, req.bucket, virtualHost).hostname.replace(/^\[|\]$/g, '');
  const tls = url.protocol === 'https:';
  // As Ferry's requests do (localhostLookup): *.localhost is loopback whatever the system resolver says.
  const resolved = isLocalhostName(host)
    ? { ok: true as const, addresses: [{ address: '127.0.0.1', family: 4 }] }
    : await resolveChecked(host, req.policy ?? NO_POLICY, socketTimeoutMs());
  if (!resolved.ok) {
    const code = resolved.refused ? 'AddressRefused' : (/\bE[A-Z_]{3,}\b/.exec(resolved.error)?.[0] ?? 'ENOTFOUND');
    return { ok: false, steps: [{ name: 'dns', status: 'failed', detail: `${req.endpoint}: ${resolved.error}`, cause: resolved.error, code }, skipped('tcp', 'no address'), skipped('tls', 'no address')] };
  }
  const addresses = resolved.addresses.map((a) => a.address);
  const dns = passed('dns', isIP(host) ? `${host} is an IP address` : `${host} resolves to ${addresses.join(', ')}${isLocalhostName(host) ? ' (a localhost name)' : ''}`);
  const address = addresses[0]!;
  const target = `${address.includes(':') ? `[${address}]` : address}:${url.port}`;
  let socket: Socket;
  try {
    socket = await connectTcp(address, url.port);
  } catch (err) {
    return { ok: false, steps: [dns, failedWith('tcp', classifyS3Error(err), `connecting to ${target} (${req.endpoint})`), skipped('tls', 'no connection')] };
  }
  const tcp = passed('tcp', `connected to ${target}`);
  if (!tls) {
    socket.destroy();
    return { ok: true, steps: [dns, tcp, skipped('tls', `${req.endpoint} is plain HTTP`)] };
  }
  try {
    const secured = await handshake(socket, isIP(host) ? undefined : host, req.tls);
    const cert = secured.getPeerCertificate();
    const unchecked = secured.authorized ? '' : ` NOT VERIFIED (${String(secured.authorizationError)}): insecure_skip_verify is set`;
    const detail = `${secured.getProtocol() ?? 'TLS'} with ${host}: certificate for ${cert.subject?.CN ?? '?'} issued by ${cert.issuer?.CN ?? '?'}, valid until ${cert.valid_to}${unchecked}`;
    secured.destroy();
    return { ok: true, steps: [dns, tcp, passed('tls', detail)] };
  } catch (err) {
    socket.destroy();
    return { ok: false, steps: [dns, tcp, failedWith('tls', classifyS3Error(err), `TLS handshake with ${req.endpoint}`)] };
  }
}

function connectTcp(address: string, port: number): Promise<Socket> {
  const timeout = socketTimeoutMs();
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port, timeout });
    socket.once('timeout', () => socket.destroy(socketTimedOut(timeout)));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}

function handshake(socket: Socket, servername: string | undefined, tls: EndpointTls | undefined): Promise<TLSSocket> {
  const timeout = socketTimeoutMs();
  return new Promise((resolve, reject) => {
    const secured = tlsConnect({ socket, servername, ...tlsCheckOptions(tls) });
    secured.setTimeout(timeout, () => secured.destroy(socketTimedOut(timeout)));
    secured.once('error', reject);
    secured.once('secureConnect', () => {
      secured.removeListener('error', reject);
      secured.setTimeout(0);
      resolve(secured);
    });
  });
}

/** The write probe: a zero-byte PUT, then its DELETE, only at a bucket not known to be missing. */
async function probeSteps(signing: S3Endpoint, req: BucketCheckRequest, bucket: CheckStep, probeSkipped: string): Promise<CheckStep[]> {
  const key = req.probeKey;
  if (!key) return [skipped('write', probeSkipped), skipped('delete', probeSkipped)];
  if (bucket.status === 'failed') return [skipped('write', 'no bucket to write to'), skipped('delete', 'nothing written')];
  const written = await failureOf(() => http.call(signing, { method: 'PUT', bucket: req.bucket, key }, ''));
  if (written) return [failedWith('write', written, `PUT ${req.bucket}/${key} (0 bytes)`), skipped('delete', 'nothing written')];
  const write = passed('write', `PUT ${req.bucket}/${key} (0 bytes) allowed`);
  const deleted = await failureOf(() => http.call(signing, { method: 'DELETE', bucket: req.bucket, key }));
  if (deleted) return [write, failedWith('delete', deleted, `DELETE ${req.bucket}/${key}: the probe is left behind`)];
  return [write, passed('delete', `DELETE ${req.bucket}/${key} allowed: nothing left behind`)];
}

/** The request's failure as an S3Error, or undefined when it succeeded. */
async function failureOf(request: () => Promise<unknown>): Promise<S3Error | undefined> {
  try {
    await request();
    return undefined;
  } catch (err) {
    return classifyS3Error(err);
  }
}

/** The status a HEAD of the bucket answers, or undefined when it got no answer. */
async function statusOfHead(signing: S3Endpoint, bucket: string): Promise<number | undefined> {
  try {
    const res = await http.send(signing, { method: 'HEAD', bucket });
    res.resume();
    return res.statusCode;
  } catch (err) {
    if (!isTransportFailure(err)) throw err;
    return undefined;
  }
}
