import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, sdkClient, type S3Endpoint } from '../../libs/s3/index.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';

const key = (i: number) => `obj/${String(i).padStart(10, '0')}`;
const COUNT = 10;
const tagged = (i: number) => i % 5 === 0;

// The synthetic source sends x-amz-tagging-count on tagged objects only, as S3, RGW and MinIO do.
describe('an endpoint that reports x-amz-tagging-count', () => {
  let source: SyntheticS3;
  let dst: S3Fixture;
  let srcProxy: FaultProxy;
  let dstProxy: FaultProxy;
  const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
  let from: S3Endpoint;
  let to: S3Endpoint;
  const copy = (i: number) => engine.copy({ source: from, sourceBucket: 'sparse', destination: to, destinationBucket: 'dst', key: key(i), size: 10, etag: '' });
  const requests = () => srcProxy.stats().requests + dstProxy.stats().requests;

  before(async () => {
    source = await startSyntheticS3({ buckets: { sparse: { count: COUNT, size: 10, tags: (i) => (tagged(i) ? { tier: 'archive' } : undefined) } } });
    dst = await startS3Fixture(['dst']);
    [srcProxy, dstProxy] = await Promise.all([startFaultProxy(source.endpoint), startFaultProxy(dst.server.endpoint)]);
    from = endpointAt(srcProxy.endpoint, { accessKey: 'K', secretKey: 'S' });
    to = endpointAt(dstProxy.endpoint, dst.server);
  });
  after(async () => {
    engine.close();
    closeSdkClients();
    await Promise.all([srcProxy.stop(), dstProxy.stop()]);
    await Promise.all([source.stop(), dst.stop()]);
  });

  it('copies an untagged object with exactly one GET and one PUT, from the first object on', async () => {
    const untagged = [...Array(COUNT).keys()].filter((i) => !tagged(i));
    const before = requests();
    for (const i of untagged) await copy(i);
    assert.equal(requests() - before, 2 * untagged.length, [...srcProxy.requestLog(), ...dstProxy.requestLog()].join('\n'));
    assert.ok(!srcProxy.requestLog().some((r) => r.includes('tagging')), 'no tagging request reached the source');
  });

  it('still copies the tags of a tagged object', async () => {
    for (const i of [0, 5]) {
      await copy(i);
      const tags = await sdkClient(dst.endpoint).send(new GetObjectTaggingCommand({ Bucket: 'dst', Key: key(i) }));
      assert.deepEqual(tags.TagSet?.map((t) => [t.Key, t.Value]), [['tier', 'archive']]);
    }
  });
});
