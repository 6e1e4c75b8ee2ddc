import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { endpointIdentity, parseEndpoint, signingCredentials, type ParsedEndpoint, type S3Endpoint } from './endpoint.js';
import { isStaleCredentialCode, type Credentials } from './credentials.js';
import { bucketAddress, endpointForRegion, prefersVirtualHost, requestPath, type BucketAddress } from './addressing.js';
import { bucketRegions, regionFromAnswer } from './bucketRegion.js';
import { classifyS3Error, S3Error } from './s3Error.js';
import { errorFromBody, readErrorFields } from './responseDocuments.js';
import { SigV4Signer } from './sigv4.js';
import { localhostLookup } from '../http1/localhostLookup.js';
import { tlsCheckOptions, tlsKey, type EndpointTls } from '../http1/endpointTls.js';
import { AbortRegistry } from '../http1/abortRegistry.js';
import { Http1Client, socketTimedOut, socketTimeoutMs, type TlsOrigin } from '../http1/http1Client.js';
import type { OpenedRequest } from '../http1/requestBody.js';
import { bufferedBody, readDetail, type StreamedResponse } from '../http1/responseBody.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignedRequestSpec {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

interface OpenRequest {
  /** Write the body here, then end() it. */
  req: http.ClientRequest;
  /** Settles with the response head, or with the request's failure. */
  response: Promise<IncomingMessage>;
}

interface Target {
  endpoint: ParsedEndpoint;
  agent: http.Agent;
  /** The agent's idle socket timeout, named in the error of a request that hit it. */
  timeout: number;
  transport: typeof http | typeof https;
  /** For https: how Http1Client's TLS connections check the certificate (the agent's settings). */
  tls: TlsOrigin | undefined;
  /** The endpoint as configured: its region signs requests to buckets no server has placed elsewhere. */
  endpointConfig: S3Endpoint;
  /** A signer per region signed for. */
  signers: Map<string, SigV4Signer>;
  /** The credentials the signers hold: a rotation (a new value from the endpoint's source) replaces the signers and their signing keys. */
  signedWith: Credentials;
  virtualHost: boolean;
  /** Each bucket's address and signer, computed on its first request and again after any region correction. */
  buckets: Map<string, BucketTarget>;
}

interface BucketTarget {
  address: BucketAddress;
  region: string;
  signer: SigV4Signer;
  /** bucketRegions.generation when computed. */
  generation: number;
}

/**
 * The answer to a streamed upload signed for another region than the bucket's: the bucket's
 * region is now known, and the upload must be made again (its body cannot be replayed here).
 */
export class RegionCorrected extends S3Error {
  constructor(bucket: string, region: string, cause: S3Error) {
    super(cause.code, `bucket ${bucket} is in region ${region}: ${cause.message}`, cause.status, true, { cause });
  }
}

/**
 * Signed S3 requests over node:http(s) with one keep-alive agent per endpoint: the
 * SDK's command stack costs several times more CPU per small object (NOTES.md).
 * Object GETs and PUTs, the copy path, go through Http1Client instead, over HTTP and HTTPS.
 */
export class SignedHttp {
  private readonly targets = new Map<string, Target>();
  private readonly byEndpoint = new WeakMap<S3Endpoint, { fields: string; tls: EndpointTls | undefined; generation: number; target: Target }>();
  private generation = 0;
  private readonly aborts = new AbortRegistry();
  private readonly objects = new Http1Client();

  private target(e: S3Endpoint): Target {
    // Callers pass the same endpoint object for every request of a job: skip parsing its URL again.
    const fields = `${e.endpoint}\0${e.region}\0${e.accessKey}\0${e.secretKey}\0${e.pathStyle}`;
    const seen = this.byEndpoint.get(e);
    if (seen && seen.generation === this.generation && seen.fields === fields && seen.tls === e.tls) return withCurrentSigner(seen.target, e);
    const id = `${endpointIdentity(e)}\0${e.secretKey}\0${e.pathStyle}\0${tlsKey(e.tls)}`;
    let t = this.targets.get(id);
    if (!t) {
      const endpoint = parseEndpoint(e.endpoint);
      const https_ = endpoint.protocol === 'https:';
      const timeout = socketTimeoutMs();
      t = {
        endpoint,
        transport: https_ ? https : http,
        // The idle timeout is set once per socket here rather than by a timer per request.
        agent: https_
          ? new https.Agent({ keepAlive: true, maxSockets: 256, timeout, lookup: localhostLookup, ...tlsCheckOptions(e.tls) })
          : new http.Agent({ keepAlive: true, maxSockets: 256, timeout, lookup: localhostLookup }),
        timeout,
        tls: https_ ? { check: tlsCheckOptions(e.tls), key: tlsKey(e.tls) } : undefined,
        endpointConfig: e,
        signers: new Map(),
        signedWith: signingCredentials(e),
        virtualHost: prefersVirtualHost(e, endpoint),
        buckets: new Map(),
      };
      this.targets.set(id, t);
    }
    this.byEndpoint.set(e, { fields, tls: e.tls, generation: this.generation, target: t });
    return withCurrentSigner(t, e);
  }

  /** Signs and starts a request whose body the caller streams (its headers give the Content-Length), through Http1Client. */
  upload(e: S3Endpoint, spec: SignedRequestSpec): OpenedRequest {
    const t = this.target(e);
    const signedFor = bucketTarget(t, spec.bucket).region;
    const { hostname, path, headers } = signedRequest(t, spec);
    const opened = this.objects.send({ hostname, port: t.endpoint.port, tls: t.tls }, requestHead(spec.method, path, headers), spec.signal);
    return {
      body: opened.body,
      response: opened.response.then(async (res) => {
        const checked = await regionChecked(e, spec.bucket, signedFor, res);
        if (checked.corrected) throw new RegionCorrected(spec.bucket, checked.corrected, errorFromBody(res.status, checked.body!));
        return checked.res;
      }),
    };
  }

  /** Signs and starts a request through node:http(s), its body left to the caller. */
  private open(e: S3Endpoint, spec: SignedRequestSpec): OpenRequest {
    const t = this.target(e);
    const { hostname, path, headers } = signedRequest(t, spec);
    const req = t.transport.request({
      method: spec.method,
      hostname,
      port: t.endpoint.port,
      path,
      headers,
      agent: t.agent,
    });
    if (spec.signal) {
      const unregister = this.aborts.register(spec.signal, req);
      req.once('close', unregister);
    }
    let answer: IncomingMessage | undefined;
    req.once('timeout', () => {
      // Stalled mid-body, the response would end as a bare 'aborted': give it the reason first.
      const err = socketTimedOut(t.timeout);
      answer?.destroy(err);
      req.destroy(err);
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', (res: IncomingMessage) => resolve((answer = res)));
      req.once('error', reject);
    });
    return { req, response };
  }

  /** GETs an object with its body left for the caller to stream, through Http1Client (pooled read buffers, no copy of the body). */
  async get(e: S3Endpoint, spec: Omit<SignedRequestSpec, 'method'>, retried = false): Promise<StreamedResponse> {
    const t = this.target(e);
    const signedFor = bucketTarget(t, spec.bucket).region;
    const { hostname, path, headers } = signedRequest(t, { ...spec, method: 'GET' });
    const res = await this.objects.get({ hostname, port: t.endpoint.port, tls: t.tls }, requestHead('GET', path, headers), spec.signal);
    const checked = await regionChecked(e, spec.bucket, signedFor, res);
    return checked.corrected && !retried ? await this.get(e, spec, true) : checked.res;
  }

  /** Sends a request with a small (or no) body; resolves with the response head. Does not check the status. */
  async send(e: S3Endpoint, spec: SignedRequestSpec, body?: Buffer | string): Promise<IncomingMessage> {
    const headers = { ...spec.headers };
    // Explicit, so Node does not fall back to chunked encoding for an empty PUT/POST.
    if (body !== undefined || spec.method === 'PUT' || spec.method === 'POST') {
      headers['content-length'] = String(body === undefined ? 0 : Buffer.byteLength(body));
    }
    const { req, response } = this.open(e, { ...spec, headers });
    req.end(body);
    return response;
  }

  /** Sends and reads the whole (small) response body; throws S3Error on a non-2xx answer. */
  async call(e: S3Endpoint, spec: SignedRequestSpec, body?: Buffer | string): Promise<{ res: IncomingMessage; body: Buffer }> {
    const used = e.credentials?.current;
    try {
      return await this.callOnce(e, spec, body);
    } catch (err) {
      // Signed just before a rotation and refused after it: once more with the fresh credentials.
      if (!e.credentials || !isStaleCredentialCode((err as S3Error).code)) throw err;
      if (e.credentials.current === used && sameKeys(used, await e.credentials.refresh())) throw err;
      return await this.callOnce(e, spec, body);
    }
  }

  private async callOnce(e: S3Endpoint, spec: SignedRequestSpec, body?: Buffer | string, retried = false): Promise<{ res: IncomingMessage; body: Buffer }> {
    try {
      const signedFor = bucketTarget(this.target(e), spec.bucket).region;
      const res = await this.send(e, spec, body);
      const data = await readBody(res);
      const status = res.statusCode ?? 0;
      if (!isSuccessStatus(status)) {
        // Signed for the wrong region: corrected once from the answer, and sent again signed for the bucket's.
        if (!retried && correctedRegion(e, spec.bucket, signedFor, status, res.headers, data)) return await this.callOnce(e, spec, body, true);
        throw errorFromBody(status, data);
      }
      return { res, body: data };
    } catch (err) {
      throw classifyS3Error(err);
    }
  }

  close(): void {
    for (const t of this.targets.values()) t.agent.destroy();
    this.objects.close();
    this.targets.clear();
    this.generation++;
  }
}

function sameKeys(a: Credentials | undefined, b: Credentials): boolean {
  return a?.accessKeyId === b.accessKeyId && a?.sessionToken === b.sessionToken;
}

/** The target, its signers replaced when the endpoint's credentials were rotated since (one comparison per request). */
function withCurrentSigner(t: Target, e: S3Endpoint): Target {
  if (e.credentials && e.credentials.current !== t.signedWith) {
    t.signedWith = signingCredentials(e);
    t.signers.clear();
    t.buckets.clear();
  }
  return t;
}

/** The host to connect to, the request target (path and query) and headers of a request, signed. */
function signedRequest(t: Target, spec: SignedRequestSpec): { hostname: string; path: string; headers: Record<string, string> } {
  const { address, signer } = bucketTarget(t, spec.bucket);
  const path = requestPath(address, spec.key);
  const headers: Record<string, string> = { host: address.host, ...spec.headers };
  if (!('x-amz-content-sha256' in headers)) {
    headers['x-amz-content-sha256'] = spec.method === 'PUT' || spec.method === 'POST' ? UNSIGNED_PAYLOAD : EMPTY_SHA256;
  }
  signer.sign(spec.method, path, spec.query, headers);
  const query = spec.query ? toQueryString(spec.query) : '';
  return { hostname: address.hostname, path: query ? `${path}?${query}` : path, headers };
}

/** Where a bucket's requests go and the region they are signed for, as of the latest region correction. */
function bucketTarget(t: Target, bucket: string): BucketTarget {
  const known = t.buckets.get(bucket);
  if (known && known.generation === bucketRegions.generation) return known;
  const e = t.endpointConfig;
  const region = bucketRegions.regionOf(e, bucket);
  let signer = t.signers.get(region);
  if (!signer) {
    const c = t.signedWith;
    t.signers.set(region, (signer = new SigV4Signer(c.accessKeyId, c.secretAccessKey, region, 's3', c.sessionToken)));
  }
  const endpoint = region === e.region ? t.endpoint : parseEndpoint(endpointForRegion(e.endpoint, region));
  const entry: BucketTarget = { address: bucketAddress(endpoint, bucket, t.virtualHost), region, signer, generation: bucketRegions.generation };
  t.buckets.set(bucket, entry);
  return entry;
}

/** Records the region a wrong-region answer names; true when the request should be sent again, signed for it. */
function correctedRegion(e: S3Endpoint, bucket: string, signedFor: string, status: number, headers: IncomingHttpHeaders, body: Buffer): boolean {
  const named = regionFromAnswer(status, headers, readErrorFields(body.toString('utf8')));
  if (!named || named.region === signedFor) return false;
  bucketRegions.correct(e, bucket, named);
  return true;
}

/**
 * A streamed answer checked for a wrong region: an error answer's (small) body is read to see, and
 * handed on re-readable. `corrected` names the bucket's region when the request must be made again.
 */
async function regionChecked(e: S3Endpoint, bucket: string, signedFor: string, res: StreamedResponse): Promise<{ res: StreamedResponse; corrected?: string; body?: Buffer }> {
  if (isSuccessStatus(res.status)) return { res };
  const body = await readDetail(res.body);
  if (correctedRegion(e, bucket, signedFor, res.status, res.headers, body)) return { res, corrected: bucketRegions.regionOf(e, bucket), body };
  return { res: { ...res, body: bufferedBody(body) }, body };
}

/** Characters node:http refuses in a header value (RFC 9110 §5.5 field-value), and in a name. */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An HTTP/1.1 request head, with the checks node:http would make. */
export function requestHead(method: string, path: string, headers: Record<string, string>): string {
  if (!/^\/[\x21-\x7e]*$/.test(path)) throw new TypeError(`request path contains unescaped characters: ${JSON.stringify(path)}`);
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || INVALID_HEADER_VALUE.test(value)) throw new TypeError(`invalid character in header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

/** A 2xx answer. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** The whole (small) body; rejects when the connection ends before it does. */
function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    res.once('error', reject);
    res.once('close', () => {
      if (!ended) reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    });
  });
}

function toQueryString(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join('&');
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '');
}

export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/i.test(etag);
}
