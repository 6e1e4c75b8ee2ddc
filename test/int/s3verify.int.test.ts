import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, sdkClient, S3Error, type CopyRequest, type S3Endpoint } from '../../libs/s3/index.js';
import { etagEcho } from '../../libs/s3/etagEcho.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

interface SeenPut {
  key: string;
  contentMd5: boolean;
}

/** A destination that stores nothing and answers each PUT with the body's MD5 as ETag, or with an opaque ETag (as SSE-KMS buckets do). */
async function startEtagServer(): Promise<{ endpoint: S3Endpoint; puts: SeenPut[]; setOpaque(opaque: boolean): void; stop(): Promise<void> }> {
  const puts: SeenPut[] = [];
  let opaque = false;
  const server = http.createServer((req, res) => {
    const hash = createHash('md5');
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    req.once('end', () => {
      const isObjectPut = req.method === 'PUT' && !req.url!.includes('?');
      if (isObjectPut) puts.push({ key: decodeURIComponent(req.url!.split('/').slice(2).join('/')), contentMd5: req.headers['content-md5'] !== undefined });
      res.writeHead(req.method === 'DELETE' ? 204 : 200, isObjectPut ? { etag: `"${opaque ? `opaque-${puts.length}` : hash.digest('hex')}"` } : {});
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKey: 'K', secretKey: 'S' },
    puts,
    setOpaque: (o) => (opaque = o),
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('how a streamed copy is verified', () => {
  let src: S3Fixture;
  let dst: S3Fixture;
  let srcProxy: FaultProxy;
  const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
  const body = randomBytes(30_000);

  before(async () => {
    [src, dst] = await Promise.all([startS3Fixture(['src']), startS3Fixture(['dst', 'fresh'])]);
    srcProxy = await startFaultProxy(src.server.endpoint);
    for (const key of ['a.bin', 'b.bin', 'c.bin']) await sdkClient(src.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: body }));
  });
  after(async () => {
    engine.close();
    closeSdkClients();
    await srcProxy?.stop();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const request = (key: string, destination: S3Endpoint, via = src.endpoint, destinationBucket = 'dst'): CopyRequest => ({
    source: via,
    sourceBucket: 'src',
    destination,
    destinationBucket,
    key,
    size: body.length,
    etag: md5(body),
  });

  /** The copy fails with ChecksumMismatch while the proxy in front of the source corrupts every body. */
  async function refusedWhileSourceCorrupts(copy: CopyRequest): Promise<void> {
    srcProxy.setFaults({ corruptBodies: true });
    try {
      await assert.rejects(engine.copy(copy), (err: unknown) => {
        assert.ok(err instanceof S3Error, String(err));
        assert.equal(err.code, 'ChecksumMismatch');
        return true;
      });
    } finally {
      srcProxy.setFaults({ corruptBodies: false });
    }
  }

  it("trusts a bucket's MD5 ETags once a PUT sent without Content-MD5 came back with the source's MD5", async () => {
    assert.equal(etagEcho(dst.endpoint, 'dst'), 'unknown');
    await engine.copy(request('a.bin', dst.endpoint));
    assert.equal(etagEcho(dst.endpoint, 'dst'), 'computes-md5');
  });

  it('refuses a body corrupted on the way out of the source while the bucket is still unknown, and learns nothing from it', async () => {
    await refusedWhileSourceCorrupts(request('a.bin', dst.endpoint, endpointAt(srcProxy.endpoint, src.server), 'fresh'));
    await assert.rejects(sdkClient(dst.endpoint).send(new HeadObjectCommand({ Bucket: 'fresh', Key: 'a.bin' })));
    assert.equal(etagEcho(dst.endpoint, 'fresh'), 'unknown');
  });

  it('into a bucket known to compute MD5s, still refuses a body corrupted on the way out of the source and leaves no copy behind', async () => {
    assert.equal(etagEcho(dst.endpoint, 'dst'), 'computes-md5');
    await refusedWhileSourceCorrupts(request('b.bin', dst.endpoint, endpointAt(srcProxy.endpoint, src.server)));
    await assert.rejects(sdkClient(dst.endpoint).send(new HeadObjectCommand({ Bucket: 'dst', Key: 'b.bin' })));
    await engine.copy(request('b.bin', dst.endpoint));
    const head = await sdkClient(dst.endpoint).send(new HeadObjectCommand({ Bucket: 'dst', Key: 'b.bin' }));
    assert.equal(head.ETag, `"${md5(body)}"`);
  });

  it('hashes every copy, sending Content-MD5, into a bucket whose ETags are not MD5s; the learning copy is sent again with it', async () => {
    const opaque = await startEtagServer();
    opaque.setOpaque(true);
    try {
      await engine.copy(request('a.bin', opaque.endpoint));
      await engine.copy(request('b.bin', opaque.endpoint));
      assert.equal(etagEcho(opaque.endpoint, 'dst'), 'other');
      assert.deepEqual(opaque.puts, [
        { key: 'a.bin', contentMd5: false },
        { key: 'a.bin', contentMd5: true },
        { key: 'b.bin', contentMd5: true },
      ]);
    } finally {
      await opaque.stop();
    }
  });

  it('copies again, hashing, when a trusted bucket starts answering opaque ETags, and never trusts it again', async () => {
    const flipping = await startEtagServer();
    try {
      await engine.copy(request('a.bin', flipping.endpoint));
      assert.equal(etagEcho(flipping.endpoint, 'dst'), 'computes-md5');
      flipping.setOpaque(true);
      await engine.copy(request('b.bin', flipping.endpoint));
      flipping.setOpaque(false);
      await engine.copy(request('c.bin', flipping.endpoint));
      assert.equal(etagEcho(flipping.endpoint, 'dst'), 'other');
      assert.deepEqual(flipping.puts, [
        { key: 'a.bin', contentMd5: false },
        { key: 'b.bin', contentMd5: true },
        { key: 'b.bin', contentMd5: true },
        { key: 'c.bin', contentMd5: true },
      ]);
    } finally {
      await flipping.stop();
    }
  });
});
