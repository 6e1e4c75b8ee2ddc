import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { closeSdkClients, createCopyEngine, sdkClient, type S3Endpoint } from '../../libs/s3/index.js';

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

const ACCESS_KEY = 'AKIDEXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const BODY = Buffer.from('object body');
const ETAG = createHash('md5').update(BODY).digest('hex');

interface Seen {
  method: string;
  host: string;
  path: string;
  signatureValid: boolean;
}

/** The signature the SDK computes for the request as the server received it (host header and raw path included). */
async function signatureValid(req: http.IncomingMessage): Promise<boolean> {
  const auth = req.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
  const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth)?.[1] ?? '';
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(req.headers[name]);
  const url = new URL(req.url!, 'http://x');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const amzDate = String(req.headers['x-amz-date']);
  const at = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 's3', region, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
  const signed = await signer.sign({ method: req.method!, protocol: 'http:', hostname: headers.host ?? '', path: url.pathname, query, headers }, { signingDate: at });
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1];
  return expected !== undefined && expected === /Signature=([0-9a-f]+)/.exec(auth)?.[1];
}

describe('virtual-hosted-style and path-style addressing, as the server sees it', () => {
  let server: http.Server;
  let port: number;
  let seen: Seen[] = [];
  const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
  const at = (host: string, pathStyle?: boolean): S3Endpoint => ({ endpoint: `http://${host}:${port}`, region: 'us-east-1', accessKey: ACCESS_KEY, secretKey: SECRET_KEY, pathStyle });
  // Another region makes it another cluster to the engine, so the copy is streamed (GET, PUT), not server-side.
  const other = (host: string, pathStyle?: boolean): S3Endpoint => ({ ...at(host, pathStyle), region: 'eu-west-1' });

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void signatureValid(req).then((valid) => {
          seen.push({ method: req.method!, host: String(req.headers.host), path: req.url!, signatureValid: valid });
          if (!valid) return void res.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
          if (req.method === 'GET' || req.method === 'HEAD') {
            res.writeHead(200, { 'content-length': BODY.length, etag: `"${ETAG}"` });
            return void res.end(req.method === 'GET' ? BODY : undefined);
          }
          res.writeHead(200, { etag: `"${createHash('md5').update(Buffer.concat(chunks)).digest('hex')}"` }).end();
        });
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    engine.close();
    closeSdkClients();
    server.close();
  });

  const copy = (from: S3Endpoint, sourceBucket: string, to: S3Endpoint, destinationBucket: string) =>
    engine.copy({ source: from, sourceBucket, destination: to, destinationBucket, key: 'a b/c', size: BODY.length, etag: ETAG });

  it('puts the bucket in the host name with path_style false, signed for that host', async () => {
    seen = [];
    await copy(at('localhost', false), 'src-bucket', other('localhost', false), 'dst.bucket');
    assert.deepEqual(seen, [
      { method: 'GET', host: `src-bucket.localhost:${port}`, path: '/a%20b/c', signatureValid: true },
      { method: 'PUT', host: `dst.bucket.localhost:${port}`, path: '/a%20b/c', signatureValid: true },
    ]);
  });

  it('falls back to path-style for a bucket name that is not DNS-safe', async () => {
    seen = [];
    await copy(at('localhost', false), 'Upper_Case', other('localhost', false), 'ab');
    assert.deepEqual(seen, [
      { method: 'GET', host: `localhost:${port}`, path: '/Upper_Case/a%20b/c', signatureValid: true },
      { method: 'PUT', host: `localhost:${port}`, path: '/ab/a%20b/c', signatureValid: true },
    ]);
  });

  it('stays path-style for a custom endpoint by default', async () => {
    seen = [];
    await copy(at('localhost'), 'src-bucket', other('127.0.0.1'), 'dst-bucket');
    assert.deepEqual(seen, [
      { method: 'GET', host: `localhost:${port}`, path: '/src-bucket/a%20b/c', signatureValid: true },
      { method: 'PUT', host: `127.0.0.1:${port}`, path: '/dst-bucket/a%20b/c', signatureValid: true },
    ]);
  });

  it('addresses SDK requests the same way', async () => {
    seen = [];
    await sdkClient(at('localhost', false)).send(new HeadObjectCommand({ Bucket: 'src-bucket', Key: 'a b/c' }));
    await sdkClient(at('localhost')).send(new HeadObjectCommand({ Bucket: 'src-bucket', Key: 'a b/c' }));
    assert.deepEqual(seen, [
      { method: 'HEAD', host: `src-bucket.localhost:${port}`, path: '/a%20b/c', signatureValid: true },
      { method: 'HEAD', host: `localhost:${port}`, path: '/src-bucket/a%20b/c', signatureValid: true },
    ]);
  });
});
