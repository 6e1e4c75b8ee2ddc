import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, sdkClient, S3Error, type CopyRequest, type S3Endpoint } from '../../libs/s3/index.js';
import { startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

interface Stored {
  md5: string;
  length: number;
}

/**
 * A destination that keeps what was PUT (its MD5 and length) and answers each PUT with that MD5 as ETag,
 * or an opaque one, and each HEAD with what it keeps, changed by `head` (headers to add or replace).
 * Records the HEADs it answered, with their x-amz-checksum-mode.
 */
async function startDestination() {
  const objects = new Map<string, Stored>();
  const heads: Array<{ key: string; checksumMode?: string }> = [];
  const settings: { opaquePut: boolean; head: Record<string, string>; gone: boolean } = { opaquePut: false, head: {}, gone: false };
  const server = http.createServer((req, res) => {
    const key = decodeURIComponent(req.url!.split('?')[0]!.split('/').slice(2).join('/'));
    const hash = createHash('md5');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.once('end', () => {
      if (req.method === 'PUT') {
        const stored = { md5: hash.digest('hex'), length };
        objects.set(key, stored);
        res.writeHead(200, { etag: `"${settings.opaquePut ? 'opaque' : stored.md5}"` });
        res.end();
        return;
      }
      if (req.method === 'HEAD') {
        const checksumMode = req.headers['x-amz-checksum-mode'];
        heads.push({ key, ...(typeof checksumMode === 'string' ? { checksumMode } : {}) });
        const stored = objects.get(key);
        if (!stored || settings.gone) {
          res.writeHead(404);
          res.end();
          return;
        }
        res.writeHead(200, { 'content-length': String(stored.length), etag: `"${stored.md5}"`, ...settings.head });
        res.end();
        return;
      }
      res.writeHead(req.method === 'DELETE' ? 204 : 200);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const endpoint: S3Endpoint = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKey: 'K', secretKey: 'S' };
  return {
    endpoint,
    heads,
    objects,
    settings,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function verificationFailed(retryable: boolean, detail: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof S3Error, String(err));
    assert.equal(err.code, 'VerificationFailed');
    assert.equal(err.retryable, retryable);
    assert.match(err.message, detail);
    return true;
  };
}

describe("a job's verify after each copy", () => {
  let src: S3Fixture;
  let dst: Awaited<ReturnType<typeof startDestination>>;
  const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
  const body = randomBytes(30_000);

  before(async () => {
    [src, dst] = await Promise.all([startS3Fixture(['src']), startDestination()]);
    await sdkClient(src.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: 'a.bin', Body: body }));
  });
  after(async () => {
    engine.close();
    closeSdkClients();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const request = (destination = dst.endpoint): CopyRequest => ({ source: src.endpoint, sourceBucket: 'src', destination, destinationBucket: 'dst', key: 'a.bin', size: body.length, etag: md5(body) });
  const reset = (s: Partial<typeof dst.settings> = {}) => {
    Object.assign(dst.settings, { opaquePut: false, head: {}, gone: false }, s);
    dst.heads.length = 0;
  };

  it('etag: takes no request when the PUT answered with the source ETag (the destination computed it)', async () => {
    reset();
    const copied = await engine.copy(request());
    assert.equal(copied.destinationEtag, md5(body));
    assert.deepEqual(await engine.verify(request(), copied, 'etag'), { requests: 0 });
    assert.deepEqual(dst.heads, []);
  });

  it('etag: HEADs when the PUT answer cannot prove it, and fails (retryable) on another ETag', async () => {
    reset({ opaquePut: true });
    const copied = await engine.copy(request());
    assert.deepEqual(await engine.verify(request(), copied, 'etag'), { requests: 1 });
    assert.deepEqual(dst.heads, [{ key: 'a.bin' }]);
    reset({ head: { etag: `"${'0'.repeat(32)}"` } });
    await assert.rejects(engine.verify(request(), { bytes: body.length, method: 'stream' }, 'etag'), verificationFailed(true, new RegExp(`ETag ${md5(body)} at the source, 0{32} at the destination`)));
  });

  it('etag: an SSE-KMS destination cannot be compared by ETag: fails, not retryable, saying what to use', async () => {
    reset({ head: { 'x-amz-server-side-encryption': 'aws:kms' } });
    await assert.rejects(engine.verify(request(), { bytes: body.length, method: 'stream' }, 'etag'), verificationFailed(false, /encrypted with aws:kms.*use verify: size or checksum/));
  });

  it("etag: a plain-MD5 source Ferry wrote in its own parts stands on the copy's whole-object MD5 and the size", async () => {
    reset({ head: { etag: `"${'1'.repeat(32)}-2"` } });
    assert.deepEqual(await engine.verify(request(), { bytes: body.length, method: 'multipart', md5Checked: true }, 'etag'), { requests: 1 });
    await assert.rejects(engine.verify(request(), { bytes: body.length, method: 'multipart' }, 'etag'), verificationFailed(false, /ETags cannot be compared: .* written in different parts/));
  });

  it('size: HEADs the destination and compares its length', async () => {
    reset();
    await engine.copy(request());
    assert.deepEqual(await engine.verify(request(), { bytes: body.length, method: 'stream' }, 'size'), { requests: 1 });
    reset({ head: { 'content-length': String(body.length - 1) } });
    await assert.rejects(engine.verify(request(), { bytes: body.length, method: 'stream' }, 'size'), verificationFailed(true, new RegExp(`size ${body.length} at the source, ${body.length - 1} at the destination`)));
    reset({ gone: true });
    await assert.rejects(engine.verify(request(), { bytes: body.length, method: 'stream' }, 'size'), verificationFailed(true, /not there after the copy/));
  });

  it('checksum: HEADs both sides with x-amz-checksum-mode: ENABLED and compares a checksum they share', async () => {
    const other = await startDestination();
    try {
      other.objects.set('a.bin', { md5: md5(body), length: body.length });
      const both = { ...request(), source: other.endpoint };
      other.settings.head = { 'x-amz-checksum-crc32c': 'AAAAAA==', 'x-amz-checksum-sha256': 'x' };
      reset({ head: { 'x-amz-checksum-crc32c': 'AAAAAA==' } });
      assert.deepEqual(await engine.verify(both, { bytes: body.length, method: 'stream' }, 'checksum'), { requests: 2 });
      assert.deepEqual(dst.heads, [{ key: 'a.bin', checksumMode: 'ENABLED' }]);
      assert.deepEqual(other.heads, [{ key: 'a.bin', checksumMode: 'ENABLED' }]);
      reset({ head: { 'x-amz-checksum-crc32c': 'BBBBBB==' } });
      await assert.rejects(engine.verify(both, { bytes: body.length, method: 'stream' }, 'checksum'), verificationFailed(true, /crc32c AAAAAA== at the source, BBBBBB== at the destination/));
      reset();
      await assert.rejects(engine.verify(both, { bytes: body.length, method: 'stream' }, 'checksum'), verificationFailed(false, /the destination has no x-amz-checksum-\*/));
    } finally {
      await other.stop();
    }
  });
});
