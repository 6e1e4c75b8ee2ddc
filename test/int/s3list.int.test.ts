import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, listObjects, sdkClient, S3Error, type ListedObject, type S3Endpoint } from '../../libs/s3/index.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';

async function collect(pages: AsyncGenerator<ListedObject[]>): Promise<{ pages: number; objects: ListedObject[] }> {
  let n = 0;
  const objects: ListedObject[] = [];
  for await (const page of pages) {
    n++;
    objects.push(...page);
  }
  return { pages: n, objects };
}

const pad = (i: number) => String(i).padStart(5, '0');

describe('listObjects', () => {
  let s3: S3Fixture;
  let proxy: FaultProxy;
  const inP = Array.from({ length: 1050 }, (_, i) => `p/${pad(i)}`);
  const inQ = Array.from({ length: 20 }, (_, i) => `q/${pad(i)}`);

  before(async () => {
    s3 = await startS3Fixture(['b']);
    proxy = await startFaultProxy(s3.server.endpoint);
    const keys = [...inP, ...inQ];
    const client = sdkClient(s3.endpoint);
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(keys.slice(i, i + 64).map((Key) => client.send(new PutObjectCommand({ Bucket: 'b', Key, Body: Key }))));
    }
  });
  after(async () => {
    closeSdkClients();
    await proxy?.stop();
    await s3?.stop();
  });

  it('pages through more than 1000 objects under a prefix, in key order', async () => {
    const { pages, objects } = await collect(listObjects(s3.endpoint, 'b', { prefix: 'p/' }));
    assert.equal(pages, 2);
    assert.deepEqual(objects.map((o) => o.key), inP);
    const first = objects[0]!;
    assert.equal(first.size, 'p/00000'.length);
    assert.match(first.etag, /^[0-9a-f]{32}$/);
    assert.equal(new Date(first.last_modified).toISOString(), first.last_modified);
  });

  it('starts after a key and honours the page size', async () => {
    const { pages, objects } = await collect(listObjects(s3.endpoint, 'b', { prefix: 'p/', startAfter: 'p/00999', pageSize: 20 }));
    assert.equal(pages, 3);
    assert.deepEqual(objects.map((o) => o.key), inP.slice(1000));
  });

  it('lists everything without a prefix', async () => {
    const { objects } = await collect(listObjects(s3.endpoint, 'b', {}));
    assert.deepEqual(objects.map((o) => o.key), [...inP, ...inQ]);
  });

  it('retries transient failures of a page', async () => {
    proxy.setFaults({ error503Rate: 0.3, resetRate: 0.1, seed: 7 });
    try {
      const e: S3Endpoint = endpointAt(proxy.endpoint, s3.server);
      const { objects } = await collect(listObjects(e, 'b', { pageSize: 100 }));
      assert.equal(objects.length, inP.length + inQ.length);
      assert.ok(proxy.stats().faulted > 0);
    } finally {
      proxy.setFaults({ error503Rate: 0, resetRate: 0 });
    }
  });

  it('throws NoSuchBucket at once', async () => {
    const before = proxy.stats().requests;
    const e: S3Endpoint = endpointAt(proxy.endpoint, s3.server);
    await assert.rejects(collect(listObjects(e, 'missing', {})), (err: unknown) => {
      assert.ok(err instanceof S3Error, String(err));
      assert.equal(err.code, 'NoSuchBucket');
      assert.equal(err.retryable, false);
      return true;
    });
    assert.equal(proxy.stats().requests - before, 1);
  });

  it('throws bad credentials at once', async () => {
    // s3rver does not check V4 signatures, but it does know its access keys.
    const e: S3Endpoint = { ...s3.endpoint, accessKey: 'NOBODY' };
    await assert.rejects(collect(listObjects(e, 'b', {})), (err: unknown) => err instanceof S3Error && err.code === 'InvalidAccessKeyId' && !err.retryable);
  });
});
