import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, sdkClient, S3Error, type S3Endpoint } from '../../libs/s3/index.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { startFaultProxy } from '../harness/faultProxy.js';
import { assertNoMultipartUploads, multipartUploads, testS3Client } from '../harness/s3TestClient.js';
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';

const MiB = 1024 * 1024;

async function put(e: S3Endpoint, bucket: string, key: string, body: Buffer, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) {
  await sdkClient(e).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

async function get(e: S3Endpoint, bucket: string, key: string) {
  const out = await sdkClient(e).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { ...out, bytes: Buffer.from(await out.Body!.transformToByteArray()) };
}

async function exists(e: S3Endpoint, bucket: string, key: string): Promise<boolean> {
  try {
    await sdkClient(e).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('copy engine against two s3rver instances', () => {
  let src: S3Fixture;
  let dst: S3Fixture;
  const engine = createCopyEngine({ multipartThreshold: 5 * MiB, partSize: 5 * MiB, partConcurrency: 2 });

  before(async () => {
    [src, dst] = await Promise.all([startS3Fixture(['src', 'other']), startS3Fixture(['dst'])]);
  });
  after(async () => {
    engine.close();
    closeSdkClients();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const copy = (key: string, body: Buffer, extra: Partial<Parameters<typeof engine.copy>[0]> = {}) =>
    engine.copy({
      source: src.endpoint,
      sourceBucket: 'src',
      destination: dst.endpoint,
      destinationBucket: 'dst',
      key,
      size: body.length,
      etag: md5(body),
      ...extra,
    });

  for (const [name, size] of [['empty', 0], ['1 byte', 1], ['several KiB', 7 * 1024 + 3]] as const) {
    it(`streams a ${name} object byte for byte`, async () => {
      const body = randomBytes(size);
      const key = `sizes/${name}`;
      await put(src.endpoint, 'src', key, body);
      let progressed = 0;
      const result = await copy(key, body, { onProgress: (n) => (progressed += n) });
      // The destination's answer to the PUT is its ETag: a job's verify: etag needs no HEAD then.
      assert.deepEqual(result, { bytes: size, method: 'stream', sourceEtag: md5(body), destinationEtag: md5(body) });
      assert.equal(progressed, size);
      assert.equal(md5((await get(dst.endpoint, 'dst', key)).bytes), md5(body));
    });
  }

  for (const key of ['with space/and more spaces.txt', 'unicode/Ünïcødé ✓ 日本.bin', 'percent/100% sure %2F.txt', 'plus/a+b=c&d#e?f:g,h.txt', "odd/!'()*~ [x].bin"]) {
    it(`copies the key ${JSON.stringify(key)}`, async () => {
      const body = randomBytes(1000);
      await put(src.endpoint, 'src', key, body);
      await copy(key, body);
      assert.equal(md5((await get(dst.endpoint, 'dst', key)).bytes), md5(body));
    });
  }

  it('carries content headers, user metadata and tags', async () => {
    const body = Buffer.from('{"hello":"world"}');
    const expires = new Date('2031-02-03T04:05:06Z');
    await put(src.endpoint, 'src', 'meta/object.json', body, {
      ContentType: 'application/json',
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="object.json"',
      ContentEncoding: 'identity',
      ContentLanguage: 'en-GB',
      Expires: expires,
      Metadata: { owner: 'team-a', 'trace-id': '42' },
    });
    await sdkClient(src.endpoint).send(
      new PutObjectTaggingCommand({ Bucket: 'src', Key: 'meta/object.json', Tagging: { TagSet: [{ Key: 'retention', Value: 'long & term' }, { Key: 'tier', Value: 'gold' }] } }),
    );
    await copy('meta/object.json', body);
    const out = await get(dst.endpoint, 'dst', 'meta/object.json');
    assert.equal(out.ContentType, 'application/json');
    assert.equal(out.CacheControl, 'max-age=60');
    assert.equal(out.ContentDisposition, 'attachment; filename="object.json"');
    assert.equal(out.ContentEncoding, 'identity');
    assert.equal(out.ContentLanguage, 'en-GB');
    assert.equal(out.Expires?.toISOString(), expires.toISOString());
    assert.deepEqual(out.Metadata, { owner: 'team-a', 'trace-id': '42' });
    const tags = await sdkClient(dst.endpoint).send(new GetObjectTaggingCommand({ Bucket: 'dst', Key: 'meta/object.json' }));
    assert.deepEqual(
      tags.TagSet?.map((t) => [t.Key, t.Value]).sort(),
      [['retention', 'long & term'], ['tier', 'gold']],
    );
  });

  it('copies an object above the threshold as a multipart upload, with metadata and tags', async () => {
    const body = randomBytes(12 * MiB + 123);
    const key = 'big/twelve mebibytes.bin';
    await put(src.endpoint, 'src', key, body, { ContentType: 'application/x-big', Metadata: { kind: 'big' } });
    await sdkClient(src.endpoint).send(new PutObjectTaggingCommand({ Bucket: 'src', Key: key, Tagging: { TagSet: [{ Key: 'size', Value: 'large' }] } }));
    let progressed = 0;
    let throttled = 0;
    const result = await copy(key, body, {
      onProgress: (n) => (progressed += n),
      throttle: async (n) => {
        throttled += n;
      },
    });
    assert.deepEqual(result, { bytes: body.length, method: 'multipart', sourceEtag: md5(body), md5Checked: true });
    assert.equal(progressed, body.length);
    assert.equal(throttled, body.length);
    const out = await get(dst.endpoint, 'dst', key);
    assert.equal(md5(out.bytes), md5(body));
    assert.equal(out.ContentType, 'application/x-big');
    assert.deepEqual(out.Metadata, { kind: 'big' });
    const tags = await sdkClient(dst.endpoint).send(new GetObjectTaggingCommand({ Bucket: 'dst', Key: key }));
    assert.deepEqual(tags.TagSet?.map((t) => [t.Key, t.Value]), [['size', 'large']]);
    await assertNoMultipartUploads(testS3Client(dst.server.endpoint), 'dst');
  });

  it('reports a source that vanished as NoSuchKey, not retryable', async () => {
    await assert.rejects(copy('never/was/there', Buffer.alloc(10)), (err: unknown) => {
      assert.ok(err instanceof S3Error);
      assert.equal(err.code, 'NoSuchKey');
      assert.equal(err.retryable, false);
      return true;
    });
  });

  it('aborting a multipart copy stops it and aborts the upload', async () => {
    const proxy = await startFaultProxy(dst.server.endpoint);
    try {
      const body = randomBytes(12 * MiB);
      const key = 'big/aborted.bin';
      await put(src.endpoint, 'src', key, body);
      const controller = new AbortController();
      let seen = 0;
      await assert.rejects(
        copy(key, body, {
          destination: endpointAt(proxy.endpoint, dst.server),
          signal: controller.signal,
          onProgress: (n) => {
            seen += n;
            if (seen > 6 * MiB) controller.abort();
          },
        }),
        (err: unknown) => err instanceof S3Error && err.code === 'Aborted',
      );
      const log = proxy.requestLog();
      assert.ok(log.some((l) => l.startsWith('POST') && l.includes('uploads')), log.join('\n'));
      assert.ok(log.some((l) => l.startsWith('DELETE') && l.includes('uploadId=')), log.join('\n'));
      assert.equal(await exists(dst.endpoint, 'dst', key), false);
      await assertNoMultipartUploads(testS3Client(dst.server.endpoint), 'dst');
    } finally {
      await proxy.stop();
    }
  });

  it('a failed multipart copy whose abort is refused too fails with its own error and reports the abort', async () => {
    const proxy = await startFaultProxy(dst.server.endpoint);
    const reported: { action: string; key: string; code: string }[] = [];
    const reporting = createCopyEngine({
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      partConcurrency: 1,
      onCleanupFailed: (action, req, err) => reported.push({ action, key: req.key, code: err.code }),
    });
    try {
      const body = randomBytes(12 * MiB);
      const key = 'big/abort-refused.bin';
      await put(src.endpoint, 'src', key, body);
      let seen = 0;
      await assert.rejects(
        reporting.copy({
          source: src.endpoint,
          sourceBucket: 'src',
          destination: endpointAt(proxy.endpoint, dst.server),
          destinationBucket: 'dst',
          key,
          size: body.length,
          etag: md5(body),
          // From the middle of the upload on, the destination refuses every write: the next part, then the abort.
          onProgress: (n) => {
            seen += n;
            if (seen > 6 * MiB) proxy.setFaults({ denyWrites: true });
          },
        }),
        (err: unknown) => err instanceof S3Error && err.code === 'AccessDenied',
      );
      const log = proxy.requestLog();
      assert.ok(log.some((l) => l.startsWith('DELETE') && l.includes('uploadId=')), log.join('\n'));
      assert.deepEqual(reported, [{ action: 'abort_multipart_upload', key, code: 'AccessDenied' }]);
      // The upload the refused abort left is there to see; the test aborts it itself.
      const client = testS3Client(dst.server.endpoint);
      const left = await multipartUploads(client, 'dst');
      assert.deepEqual(left.map((u) => u.key), [key]);
      for (const u of left) await client.send(new AbortMultipartUploadCommand({ Bucket: 'dst', Key: u.key, UploadId: u.uploadId }));
      await assertNoMultipartUploads(client, 'dst');
    } finally {
      reporting.close();
      await proxy.stop();
    }
  });

  describe('inside one endpoint', () => {
    const same = (key: string, body: Buffer, e: S3Endpoint = src.endpoint, eng = engine) =>
      eng.copy({ source: e, sourceBucket: 'src', destination: e, destinationBucket: 'other', key, size: body.length, etag: md5(body) });

    it('copies server-side, keeping metadata and tags', async () => {
      const body = randomBytes(4096);
      const key = 'same/server side.bin';
      await put(src.endpoint, 'src', key, body, { ContentType: 'text/x-same', Metadata: { from: 'src' } });
      await sdkClient(src.endpoint).send(new PutObjectTaggingCommand({ Bucket: 'src', Key: key, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
      assert.deepEqual(await same(key, body), { bytes: body.length, method: 'server-side' });
      const out = await get(src.endpoint, 'other', key);
      assert.equal(md5(out.bytes), md5(body));
      assert.equal(out.ContentType, 'text/x-same');
      assert.deepEqual(out.Metadata, { from: 'src' });
      const tags = await sdkClient(src.endpoint).send(new GetObjectTaggingCommand({ Bucket: 'other', Key: key }));
      assert.deepEqual(tags.TagSet?.map((t) => [t.Key, t.Value]), [['a', 'b']]);
    });

    it('copies server-side keys that s3rver decodes wrongly (+ & = # ? : ,)', async () => {
      const body = randomBytes(100);
      const key = 'same/a+b&c=d#e?f:g,h.bin';
      await put(src.endpoint, 'src', key, body);
      assert.equal((await same(key, body)).method, 'server-side');
      assert.equal(md5((await get(src.endpoint, 'other', key)).bytes), md5(body));
    });

    it('reports a vanished source as NoSuchKey', async () => {
      await assert.rejects(same('same/gone+away', Buffer.alloc(1)), (err: unknown) => err instanceof S3Error && err.code === 'NoSuchKey');
    });

    it('under a rate cap, copies an object larger than 2 s of the rate by parts sized from it, taking each part from the cap first', async () => {
      const proxy = await startFaultProxy(src.server.endpoint);
      try {
        const e = endpointAt(proxy.endpoint, src.server);
        const body = randomBytes(12 * MiB);
        await put(src.endpoint, 'src', 'same/capped', body);
        const takes: number[] = [];
        const result = await engine.copy({
          source: e,
          sourceBucket: 'src',
          destination: e,
          destinationBucket: 'other',
          key: 'same/capped',
          size: body.length,
          etag: md5(body),
          throttle: async (n) => void takes.push(n),
          rateBytesPerSecond: 3 * MiB,
        });
        // s3rver answers UploadPartCopy with 501, so the copy then streams as a multipart upload (under the same cap).
        assert.equal(result.method, 'multipart');
        assert.ok(proxy.requestLog().some((l) => l.includes('partNumber=')), 'UploadPartCopy was tried');
        // Parts of 2 s of the rate (6 MiB), each taken before its request went out.
        assert.equal(takes[0], 6 * MiB);
        assert.equal(md5((await get(src.endpoint, 'other', 'same/capped')).bytes), md5(body));
      } finally {
        await proxy.stop();
      }
    });

    it('streams when UploadPartCopy is not implemented, and asks only once per endpoint', async () => {
      const proxy = await startFaultProxy(src.server.endpoint);
      const small = createCopyEngine({ multipartThreshold: 5 * MiB, partSize: 5 * MiB, maxSingleCopySize: 1024 });
      try {
        const e = endpointAt(proxy.endpoint, src.server);
        const bodies = [randomBytes(5000), randomBytes(6000)];
        await put(src.endpoint, 'src', 'same/upc-1', bodies[0]!);
        await put(src.endpoint, 'src', 'same/upc-2', bodies[1]!);
        assert.equal((await same('same/upc-1', bodies[0]!, e, small)).method, 'stream');
        const before = proxy.requestLog().length;
        assert.equal((await same('same/upc-2', bodies[1]!, e, small)).method, 'stream');
        const second = proxy.requestLog().slice(before);
        assert.ok(proxy.requestLog().slice(0, before).some((l) => l.includes('partNumber=')), 'the first copy tried UploadPartCopy');
        assert.ok(!second.some((l) => l.includes('uploads') || l.includes('partNumber=')), second.join('\n'));
        assert.equal(md5((await get(src.endpoint, 'other', 'same/upc-2')).bytes), md5(bodies[1]!));
      } finally {
        small.close();
        await proxy.stop();
      }
    });
  });
});
