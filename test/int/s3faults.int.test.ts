import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, sdkClient, S3Error, type CopyRequest, type S3Endpoint } from '../../libs/s3/index.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function exists(e: S3Endpoint, bucket: string, key: string): Promise<boolean> {
  try {
    await sdkClient(e).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

function isChecksumMismatch(err: unknown): boolean {
  assert.ok(err instanceof S3Error, String(err));
  assert.equal(err.code, 'ChecksumMismatch');
  assert.equal(err.message, 'checksum mismatch');
  assert.equal(err.retryable, true);
  return true;
}

describe('copy engine through a fault proxy', () => {
  let src: S3Fixture;
  let dst: S3Fixture;
  let srcProxy: FaultProxy;
  let dstProxy: FaultProxy;
  const engine = createCopyEngine({ multipartThreshold: 5 * MiB, partSize: 5 * MiB });
  const small = randomBytes(20_000);
  const big = randomBytes(12 * MiB);

  before(async () => {
    [src, dst] = await Promise.all([startS3Fixture(['src']), startS3Fixture(['dst'])]);
    [srcProxy, dstProxy] = await Promise.all([startFaultProxy(src.server.endpoint), startFaultProxy(dst.server.endpoint)]);
    await sdkClient(src.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: 'small.bin', Body: small }));
    await sdkClient(src.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: 'big.bin', Body: big }));
  });
  after(async () => {
    engine.close();
    closeSdkClients();
    await Promise.all([srcProxy?.stop(), dstProxy?.stop()]);
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const request = (key: string, body: Buffer, via: { source?: boolean; destination?: boolean }): CopyRequest => ({
    source: via.source ? endpointAt(srcProxy.endpoint, src.server) : src.endpoint,
    sourceBucket: 'src',
    destination: via.destination ? endpointAt(dstProxy.endpoint, dst.server) : dst.endpoint,
    destinationBucket: 'dst',
    key,
    size: body.length,
    etag: md5(body),
  });

  it('detects a body corrupted on the way out of the source and removes the bad copy', async () => {
    srcProxy.setFaults({ corruptBodies: true });
    try {
      const faultedBefore = srcProxy.stats().faulted;
      await assert.rejects(engine.copy(request('small.bin', small, { source: true })), isChecksumMismatch);
      assert.ok(srcProxy.stats().faulted > faultedBefore);
      assert.equal(await exists(dst.endpoint, 'dst', 'small.bin'), false);
    } finally {
      srcProxy.setFaults({ corruptBodies: false });
    }
  });

  it('detects a body corrupted on the way into the destination and removes the bad copy', async () => {
    dstProxy.setFaults({ corruptBodies: true });
    try {
      await assert.rejects(engine.copy(request('small.bin', small, { destination: true })), isChecksumMismatch);
      assert.equal(await exists(dst.endpoint, 'dst', 'small.bin'), false);
    } finally {
      dstProxy.setFaults({ corruptBodies: false });
    }
  });

  it('detects corruption in a multipart copy before completing it', async () => {
    srcProxy.setFaults({ corruptBodies: true });
    try {
      await assert.rejects(engine.copy(request('big.bin', big, { source: true })), isChecksumMismatch);
      assert.equal(await exists(dst.endpoint, 'dst', 'big.bin'), false);
    } finally {
      srcProxy.setFaults({ corruptBodies: false });
    }
  });

  it('the same copies succeed once the proxy stops corrupting', async () => {
    assert.equal((await engine.copy(request('small.bin', small, { source: true, destination: true }))).method, 'stream');
    assert.equal((await engine.copy(request('big.bin', big, { source: true, destination: true }))).method, 'multipart');
  });

  it('reports refused writes as AccessDenied, not retryable', async () => {
    dstProxy.setFaults({ denyWrites: true });
    try {
      for (const [key, body] of [['small.bin', small], ['big.bin', big]] as const) {
        await assert.rejects(engine.copy(request(key, body, { destination: true })), (err: unknown) => {
          assert.ok(err instanceof S3Error, String(err));
          assert.equal(err.code, 'AccessDenied');
          assert.equal(err.status, 403);
          assert.equal(err.retryable, false);
          return true;
        });
      }
    } finally {
      dstProxy.setFaults({ denyWrites: false });
    }
  });

  it('reports 503s and resets as retryable', async () => {
    dstProxy.setFaults({ error503Rate: 1 });
    try {
      await assert.rejects(engine.copy(request('small.bin', small, { destination: true })), (err: unknown) => {
        assert.ok(err instanceof S3Error, String(err));
        assert.equal(err.status, 503);
        assert.equal(err.retryable, true);
        return true;
      });
      dstProxy.setFaults({ error503Rate: 0, resetRate: 1 });
      await assert.rejects(engine.copy(request('small.bin', small, { destination: true })), (err: unknown) => {
        assert.ok(err instanceof S3Error, String(err));
        assert.equal(err.code, 'NetworkError');
        assert.equal(err.retryable, true);
        return true;
      });
    } finally {
      dstProxy.setFaults({ error503Rate: 0, resetRate: 0 });
    }
  });
});
