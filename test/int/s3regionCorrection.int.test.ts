import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { bucketRegions, closeSdkClients, createCopyEngine, listObjects, sendToBucket, type ListedObject, type RegionCorrection, type S3Endpoint } from '../../libs/s3/index.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';

const COUNT = 12;

/** A bucket in another region than configured: the server's answer names it, and Ferry signs for it from then on. */
describe('a bucket in another region than its endpoint is configured for', () => {
  let s3: SyntheticS3;
  const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
  let source: S3Endpoint;
  let destination: S3Endpoint;
  let heard: Array<{ label: string } & RegionCorrection> = [];
  let unwatch: () => void;

  before(async () => {
    s3 = await startSyntheticS3({ buckets: { src: { count: COUNT, size: (i) => 100 + i } }, regions: { src: 'eu-west-1', dst: 'ap-southeast-2' } });
    source = { endpoint: s3.endpoint, region: 'us-east-1', accessKey: 'SOURCE', secretKey: 'S' };
    // Other credentials: another cluster to the engine, so copies stream (GET, PUT) rather than copy server-side.
    destination = { endpoint: s3.endpoint, region: 'us-east-1', accessKey: 'DEST', secretKey: 'D' };
  });
  beforeEach(() => {
    bucketRegions.clear();
    heard = [];
    unwatch?.();
    unwatch = bucketRegions.watch(
      [
        { endpoint: source, bucket: 'src', label: 'source' },
        { endpoint: destination, bucket: 'dst', label: 'destination' },
      ],
      (label, c) => heard.push({ label, ...c }),
    );
  });
  after(async () => {
    unwatch?.();
    engine.close();
    closeSdkClients();
    await s3.stop();
  });

  const listAll = async (): Promise<ListedObject[]> => {
    const all: ListedObject[] = [];
    for await (const page of listObjects(source, 'src', { pageSize: 5 })) all.push(...page);
    return all;
  };
  const copy = (o: ListedObject) => engine.copy({ source, sourceBucket: 'src', destination, destinationBucket: 'dst', key: o.key, size: o.size, etag: o.etag });

  it('lists after one 301 PermanentRedirect, and GETs and PUTs after one AuthorizationHeaderMalformed each', async () => {
    const wrongBefore = s3.stats().wrongRegion;
    const objects = await listAll();
    assert.equal(objects.length, COUNT);
    for (const o of objects) await copy(o);
    const accepted = s3.accepted('dst') as Map<string, { size: number }>;
    assert.deepEqual(objects.map((o) => accepted.get(o.key)?.size), objects.map((o) => o.size));
    // One refused request per bucket: the listing's (src) and the first PUT's (dst); the GETs were signed for eu-west-1 already.
    assert.equal(s3.stats().wrongRegion - wrongBefore, 2);
    assert.deepEqual(heard, [
      { label: 'source', bucket: 'src', configured: 'us-east-1', region: 'eu-west-1', reason: 'PermanentRedirect' },
      { label: 'destination', bucket: 'dst', configured: 'us-east-1', region: 'ap-southeast-2', reason: 'AuthorizationHeaderMalformed' },
    ]);
  });

  it('corrects a GET from the region named in the error document alone', async () => {
    const objects = await (async () => {
      const all: ListedObject[] = [];
      // Listed through an endpoint already signing for eu-west-1, so the copy's GET is the first to learn it.
      for await (const page of listObjects({ ...source, region: 'eu-west-1' }, 'src')) all.push(...page);
      return all;
    })();
    const wrongBefore = s3.stats().wrongRegion;
    await copy(objects[0]!);
    await copy(objects[1]!);
    assert.equal(s3.stats().wrongRegion - wrongBefore, 2, 'the first GET and the first PUT, once each');
    assert.deepEqual(
      heard.map((c) => [c.label, c.region, c.reason]),
      [
        ['source', 'eu-west-1', 'AuthorizationHeaderMalformed'],
        ['destination', 'ap-southeast-2', 'AuthorizationHeaderMalformed'],
      ],
    );
  });

  it('tells a watcher that starts later of a correction already made', async () => {
    await listAll();
    const late: string[] = [];
    const stop = bucketRegions.watch([{ endpoint: source, bucket: 'src', label: 'late' }], (label, c) => late.push(`${label}:${c.region}`));
    stop();
    assert.deepEqual(late, ['late:eu-west-1']);
  });

  it('signs SDK requests for the corrected region, and corrects them once too', async () => {
    const wrongBefore = s3.stats().wrongRegion;
    const key = (await listAll())[0]!.key;
    const tags = await sendToBucket(source, 'src', (client) => client.send(new GetObjectTaggingCommand({ Bucket: 'src', Key: key })));
    assert.ok(tags.TagSet);
    assert.equal(s3.stats().wrongRegion - wrongBefore, 1, 'only the listing was refused');

    bucketRegions.clear();
    const head = await sendToBucket(source, 'src', (client) => client.send(new HeadObjectCommand({ Bucket: 'src', Key: key })));
    assert.equal(head.ContentLength, 100);
    assert.equal(s3.stats().wrongRegion - wrongBefore, 2, 'a HEAD refused with x-amz-bucket-region alone, then signed for it');
    assert.equal(bucketRegions.regionOf(source, 'src'), 'eu-west-1');
  });
});
