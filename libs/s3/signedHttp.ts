import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { endpointIdentity, parseEndpoint, type ParsedEndpoint, type S3Endpoint } from './endpoint.js';
import { objectPath } from './uri.js';
import { classifyS3Error, s3ErrorFromResponse, type S3Error } from './s3Error.js';

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

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

export interface OpenRequest {
  /** Write the body here, then end() it. */
  req: http.ClientRequest;
  /** Settles with the response head, or with the request's failure. */
  response: Promise<IncomingMessage>;
}

interface Target {
  endpoint: ParsedEndpoint;
  agent: http.Agent;
  transport: typeof http | typeof https;
  signer: SignatureV4;
}

/** Idle socket timeout: a stalled peer fails the request instead of hanging it. */
const SOCKET_TIMEOUT_MS = 120_000;

/**
 * Signed S3 requests over node:http with one keep-alive agent per endpoint: the
 * SDK's command stack costs several times more CPU per small object (NOTES.md).
 */
export class SignedHttp {
  private readonly targets = new Map<string, Target>();

  private target(e: S3Endpoint): Target {
    const id = `${endpointIdentity(e)}\0${e.secretKey}`;
    let t = this.targets.get(id);
    if (!t) {
      const endpoint = parseEndpoint(e.endpoint);
      const https_ = endpoint.protocol === 'https:';
      t = {
        endpoint,
        transport: https_ ? https : http,
        agent: https_
          ? new https.Agent({ keepAlive: true, maxSockets: 256 })
          : new http.Agent({ keepAlive: true, maxSockets: 256 }),
        signer: new SignatureV4({
          service: 's3',
          region: e.region,
          credentials: { accessKeyId: e.accessKey, secretAccessKey: e.secretKey },
          sha256: Sha256,
          uriEscapePath: false,
          applyChecksum: true,
        }),
      };
      this.targets.set(id, t);
    }
    return t;
  }

  /** Signs and starts a request whose body the caller streams. */
  async open(e: S3Endpoint, spec: SignedRequestSpec): Promise<OpenRequest> {
    const t = this.target(e);
    const path = objectPath(t.endpoint.basePath, spec.bucket, spec.key);
    const headers: Record<string, string> = { host: t.endpoint.host, ...spec.headers };
    if (!('x-amz-content-sha256' in headers)) {
      headers['x-amz-content-sha256'] = spec.method === 'PUT' || spec.method === 'POST' ? UNSIGNED_PAYLOAD : EMPTY_SHA256;
    }
    const signed = await t.signer.sign({
      method: spec.method,
      protocol: t.endpoint.protocol,
      hostname: t.endpoint.hostname,
      port: t.endpoint.port,
      path,
      query: spec.query ?? {},
      headers,
    });
    const query = spec.query ? toQueryString(spec.query) : '';
    const req = t.transport.request({
      method: spec.method,
      hostname: t.endpoint.hostname,
      port: t.endpoint.port,
      path: query ? `${path}?${query}` : path,
      headers: signed.headers as OutgoingHttpHeaders,
      agent: t.agent,
      signal: spec.signal,
    });
    req.setTimeout(SOCKET_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('socket timed out'), { code: 'ETIMEDOUT' })));
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    return { req, response };
  }

  /** Sends a request with a small (or no) body; resolves with the response head. Does not check the status. */
  async send(e: S3Endpoint, spec: SignedRequestSpec, body?: Buffer | string): Promise<IncomingMessage> {
    const headers = { ...spec.headers };
    // Explicit, so Node does not fall back to chunked encoding for an empty PUT/POST.
    if (body !== undefined || spec.method === 'PUT' || spec.method === 'POST') {
      headers['content-length'] = String(body === undefined ? 0 : Buffer.byteLength(body));
    }
    const { req, response } = await this.open(e, { ...spec, headers });
    req.end(body);
    return response;
  }

  /** Sends and reads the whole (small) response body; throws S3Error on a non-2xx answer. */
  async call(e: S3Endpoint, spec: SignedRequestSpec, body?: Buffer | string): Promise<{ res: IncomingMessage; body: Buffer }> {
    try {
      const res = await this.send(e, spec, body);
      const data = await readBody(res);
      if (!isSuccess(res)) throw errorFromBody(res, data);
      return { res, body: data };
    } catch (err) {
      throw classifyS3Error(err);
    }
  }

  close(): void {
    for (const t of this.targets.values()) t.agent.destroy();
    this.targets.clear();
  }
}

export function isSuccess(res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  return status >= 200 && status < 300;
}

export async function readBody(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads an error answer's XML body (if any) into an S3Error. */
export async function errorFromResponse(res: IncomingMessage): Promise<S3Error> {
  let body: Buffer = Buffer.alloc(0);
  try {
    body = await readBody(res);
  } catch {
    // The status alone still says what happened.
  }
  return errorFromBody(res, body);
}

export function errorFromBody(res: IncomingMessage, body: Buffer): S3Error {
  const xml = body.toString('utf8');
  return s3ErrorFromResponse(res.statusCode ?? 0, xmlText(xml, 'Code'), xmlText(xml, 'Message'));
}

/** Some S3 operations (CopyObject, CompleteMultipartUpload) answer 200 with an <Error> body. */
export function embeddedError(status: number, body: Buffer): S3Error | undefined {
  const xml = body.toString('utf8');
  if (!/<Error>/.test(xml)) return undefined;
  return s3ErrorFromResponse(status >= 300 ? status : 500, xmlText(xml, 'Code'), xmlText(xml, 'Message'));
}

export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? decodeXmlEntities(m[1]!) : undefined;
}

function decodeXmlEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    switch (entity) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default:
        return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    }
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
