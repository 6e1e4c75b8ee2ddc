/**
 * A local credentials authority for tests: plays EC2 IMDSv2 (token PUT, role name, credentials JSON),
 * the ECS / EKS Pod Identity container-credentials endpoint and an STS that answers AssumeRole, issuing
 * short-lived credentials that rotate every `rotateMs`; and checks requests made with them (access key,
 * x-amz-security-token, expiry and the whole SigV4 signature), to put in front of a test S3 endpoint.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

interface Issued {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

export interface CredentialServer {
  /** Base URL: AWS_EC2_METADATA_SERVICE_ENDPOINT, and the STS endpoint. */
  url: string;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  containerUri: string;
  /** Credential sets issued so far (by rotation and by AssumeRole). */
  issuedCount(): number;
  /** Distinct access keys of requests accepted by `authorize`. */
  keysAccepted(): Set<string>;
  /** Requests refused by `authorize`, by code. */
  refusals(): Record<string, number>;
  /** From now on each rotation revokes every set issued before (requests signed with them get ExpiredToken). */
  revokeOnRotation(on: boolean): void;
  /** Checks a signed S3 request: undefined when its credentials are issued, current and its signature right. */
  authorize(req: IncomingMessage): Promise<Refusal | undefined>;
  stop(): Promise<void>;
}

export interface CredentialServerOptions {
  /** A new set is served this often. */
  rotateMs: number;
  /** Each set is valid this long after it is issued. */
  lifetimeMs: number;
  /** Roles AssumeRole grants; any other gets 403 AccessDenied in RGW's S3-style <Error> body. */
  assumableRoles: string[];
  /** Keys (static) that may call STS, besides issued ones. */
  stsCallers?: Record<string, string>;
}

const ROLE_NAME = 'ferry-test-instance-role';

export async function startCredentialServer(opts: CredentialServerOptions): Promise<CredentialServer> {
  const issued = new Map<string, Issued>();
  const accepted = new Set<string>();
  const refused: Record<string, number> = {};
  const imdsTokens = new Set<string>();
  const issue = (lifetimeMs = opts.lifetimeMs): Issued => {
    const creds = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
      expiration: new Date(Date.now() + lifetimeMs),
    };
    issued.set(creds.accessKeyId, creds);
    return creds;
  };
  let revoke = false;
  let current = issue();
  const rotation = setInterval(() => {
    if (revoke) for (const c of issued.values()) c.expiration = new Date(Math.min(c.expiration.getTime(), Date.now()));
    current = issue();
  }, opts.rotateMs);

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };
  const asJson = (c: Issued) => ({ AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken, Expiration: c.expiration.toISOString() });

  async function verify(req: IncomingMessage, service: string, payloadHash?: string): Promise<Refusal | undefined> {
    const auth = req.headers.authorization ?? '';
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return { status: 403, code: 'AccessDenied', message: 'no SigV4 authorization' };
    const [, accessKeyId, , region, signedService, signedHeaders, signature] = m as unknown as string[];
    const stsCaller = opts.stsCallers?.[accessKeyId!];
    const creds = issued.get(accessKeyId!) ?? (service === 'sts' && stsCaller ? { accessKeyId: accessKeyId!, secretAccessKey: stsCaller, sessionToken: undefined, expiration: undefined } : undefined);
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

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.once('end', () => resolve(text));
      req.once('error', reject);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'PUT' && path === '/latest/api/token') {
      const token = randomBytes(16).toString('hex');
      imdsTokens.add(token);
      res.writeHead(200, { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': String(req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? '21600') }).end(token);
      return;
    }
    if (path.startsWith('/latest/meta-data/iam/security-credentials')) {
      if (!imdsTokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) return void res.writeHead(401).end();
      const rest = path.slice('/latest/meta-data/iam/security-credentials'.length).replace(/^\//, '');
      if (rest === '') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(ROLE_NAME);
      if (rest !== ROLE_NAME) return void res.writeHead(404).end();
      return json(res, 200, { Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC', ...asJson(current) });
    }
    if (req.method === 'GET' && path === '/container-credentials') return json(res, 200, asJson(current));
    if (req.method === 'POST' && path === '/') {
      const body = await readBody(req);
      const refusal = await verify(req, 'sts', (await import('node:crypto')).createHash('sha256').update(body).digest('hex'));
      const form = new URLSearchParams(body);
      const stsError = (status: number, code: string, message: string) =>
        // Ceph RGW's form: S3's <Error>, not STS's <ErrorResponse>.
        res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
      if (refusal) return void stsError(refusal.status, refusal.code, refusal.message);
      if (form.get('Action') !== 'AssumeRole') return void stsError(400, 'InvalidAction', 'only AssumeRole');
      const role = form.get('RoleArn') ?? '';
      if (!opts.assumableRoles.includes(role)) return void stsError(403, 'AccessDenied', `not authorized to assume ${role}`);
      const c = issue();
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey><SessionToken>${c.sessionToken}</SessionToken><Expiration>${c.expiration.toISOString()}</Expiration></Credentials><AssumedRoleUser><Arn>${role}/${form.get('RoleSessionName')}</Arn><AssumedRoleId>X:${form.get('RoleSessionName')}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
        );
      return;
    }
    res.writeHead(404).end();
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    containerUri: `${url}/container-credentials`,
    issuedCount: () => issued.size,
    keysAccepted: () => new Set(accepted),
    refusals: () => ({ ...refused }),
    revokeOnRotation: (on) => (revoke = on),
    async authorize(req) {
      const refusal = await verify(req, 's3');
      if (refusal) refused[refusal.code] = (refused[refusal.code] ?? 0) + 1;
      else accepted.add(/Credential=([^/]+)/.exec(req.headers.authorization ?? '')![1]!);
      return refusal;
    },
    async stop() {
      clearInterval(rotation);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
