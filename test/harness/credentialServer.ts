/**
 * A local credentials authority for tests: plays EC2 IMDSv2 (token PUT, role name, credentials JSON),
 * the ECS / EKS Pod Identity container-credentials endpoint and an STS that answers AssumeRole, issuing
 * short-lived credentials that rotate every `rotateMs`; and checks requests made with them (access key,
 * x-amz-security-token, expiry and the whole SigV4 signature), to put in front of a test S3 endpoint.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type Refusal } from './sigv4Verify.js';

interface Issued {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export type { Refusal };

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

  function verify(req: IncomingMessage, service: string, payloadHash?: string): Promise<Refusal | undefined> {
    return verifySigV4(req, service, (accessKeyId) => {
      const stsCaller = opts.stsCallers?.[accessKeyId];
      return issued.get(accessKeyId) ?? (service === 'sts' && stsCaller ? { accessKeyId, secretAccessKey: stsCaller } : undefined);
    }, payloadHash);
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
