import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createCopyEngine, type CopyEngine, type S3Endpoint } from '../../libs/s3/index.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';
import { testS3Client } from '../harness/s3TestClient.js';

const MiB = 1024 * 1024;
const ODD = Math.round(1.3 * MiB);
const key = (i: number) => `obj/${String(i).padStart(10, '0')}`;
const sum = (parts: readonly number[]) => parts.reduce((a, b) => a + b, 0);

/** Source objects by index: their parts (undefined: one PUT). */
const LAYOUTS: Array<readonly number[] | undefined> = [
  // 3 parts of 7 MiB + an odd last one: 15.3 MiB, below the 64 MiB threshold; 7 MiB is no size a guess would pick.
  [7 * MiB, 7 * MiB, ODD],
  // 7 parts: 5 MiB each and an odd last one.
  [...Array<number>(6).fill(5 * MiB), ODD],
  // One PUT: no part layout to learn, so no request to learn it.
  undefined,
  // Parts of differing sizes: a HEAD of part 1 cannot tell them from 6 + 6 + 1 MiB, so copied so (ETag not kept).
  [6 * MiB, 5 * MiB, 2 * MiB],
  // 2 parts of 48 MiB: more than the copy may buffer (5 parts of its own 16 MiB), so copied in its own way.
  [48 * MiB, 40 * MiB],
];
/** The same layouts on an endpoint that ignores ?partNumber (as Ceph RGW 16 and s3rver do). */
const GUESSABLE: Array<readonly number[] | undefined> = [
  // 8 MiB parts (the AWS CLI's): from size and part count alone, 8 MiB is the likeliest fit.
  [8 * MiB, 8 * MiB, ODD],
  [...Array<number>(6).fill(8 * MiB), ODD],
];


const at = (s3: SyntheticS3): S3Endpoint => ({ endpoint: s3.endpoint, region: 'us-east-1', accessKey: 'any', secretKey: 'any' });

describe('multipart sources copied in their own parts (synthetic S3 endpoints)', () => {
  let telling: SyntheticS3;
  let ignoring: SyntheticS3;
  let sink: SyntheticS3;
  let engine: CopyEngine;

  before(async () => {
    const spec = (layouts: typeof LAYOUTS) => ({
      count: layouts.length,
      size: (i: number) => sum(layouts[i] ?? [MiB + 17]),
      parts: (i: number) => layouts[i],
      tags: () => undefined,
    });
    [telling, ignoring, sink] = await Promise.all([
      startSyntheticS3({ buckets: { src: spec(LAYOUTS) } }),
      startSyntheticS3({ buckets: { src: spec(GUESSABLE) }, ignorePartNumber: true }),
      startSyntheticS3({ buckets: {} }),
    ]);
    // Ferry's defaults: a 64 MiB threshold and 16 MiB parts, 4 in flight.
    engine = createCopyEngine({ multipartThreshold: 64 * MiB, partSize: 16 * MiB, partConcurrency: 4 });
  });
  after(async () => {
    engine?.close();
    await Promise.all([telling?.stop(), ignoring?.stop(), sink?.stop()]);
  });

  async function copy(from: SyntheticS3, i: number, bucket: string) {
    const client = testS3Client(from.endpoint);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'src', Key: key(i) }));
    client.destroy();
    const etag = head.ETag!.replace(/"/g, '');
    const before = from.stats().partReads;
    const result = await engine.copy({ source: at(from), sourceBucket: 'src', destination: at(sink), destinationBucket: bucket, key: key(i), size: head.ContentLength!, etag });
    const copied = (sink.accepted(bucket) as Map<string, { size: number; md5: string }>).get(key(i))!;
    return { etag, result, copied, partReads: from.stats().partReads - before };
  }

  /** The multipart ETag the source's bytes give cut into `parts`. */
  async function etagOf(from: SyntheticS3, i: number, parts: number[]): Promise<string> {
    const client = testS3Client(from.endpoint);
    const out = await client.send(new GetObjectCommand({ Bucket: 'src', Key: key(i) }));
    const body = Buffer.from(await out.Body!.transformToByteArray());
    client.destroy();
    assert.equal(body.length, sum(parts));
    const combined = createHash('md5');
    let offset = 0;
    for (const part of parts) combined.update(createHash('md5').update(body.subarray(offset, (offset += part))).digest());
    return `${combined.digest('hex')}-${parts.length}`;
  }

  it('copies a 3-part 15.3 MiB object in its 3 parts though it is below the threshold, and a 7-part one in its 7: the ETags are the source\'s', async () => {
    for (const i of [0, 1]) {
      const { etag, result, copied, partReads } = await copy(telling, i, 'kept');
      assert.match(etag, new RegExp(`^[0-9a-f]{32}-${LAYOUTS[i]!.length}$`));
      assert.equal(result.method, 'multipart');
      assert.equal(copied.size, sum(LAYOUTS[i]!));
      // The destination computed it from the parts it received: same parts, same bytes.
      assert.equal(copied.md5, etag, `object ${i} kept its ETag`);
      assert.equal(partReads, 1, 'one HEAD ?partNumber=1 told the layout');
    }
  });

  it('asks nothing more for an object whose ETag is a plain MD5: a GET and a PUT', async () => {
    const before = telling.stats();
    const { etag, result, copied, partReads } = await copy(telling, 2, 'kept');
    assert.equal(result.method, 'stream');
    assert.equal(copied.md5, etag);
    assert.equal(partReads, 0);
    assert.equal(telling.stats().heads - before.heads, 1, 'only the test\'s own HEAD');
    assert.equal(telling.stats().gets - before.gets, 1);
  });

  it('copies a source whose parts differ in size as the first part implies, and one whose parts exceed the copy\'s buffer in Ferry\'s own parts: bytes intact, ETags not kept', async () => {
    const uneven = await copy(telling, 3, 'own');
    assert.equal(uneven.result.method, 'multipart');
    assert.equal(uneven.copied.md5, await etagOf(telling, 3, [6 * MiB, 6 * MiB, MiB]), 'the source\'s bytes, in 6 + 6 + 1 MiB');
    assert.notEqual(uneven.copied.md5, uneven.etag);
    const large = await copy(telling, 4, 'own');
    assert.equal(large.result.method, 'multipart', '88 MiB is above the threshold');
    assert.equal(large.copied.md5, await etagOf(telling, 4, [...Array<number>(5).fill(16 * MiB), 8 * MiB]), 'the source\'s bytes, in 16 MiB parts of its own');
  });

  it('infers the layout where the endpoint ignores partNumber, asking it once per endpoint', async () => {
    const first = await copy(ignoring, 0, 'guessed');
    const second = await copy(ignoring, 1, 'guessed');
    assert.equal(first.partReads, 1, 'asked once, answered with the whole object');
    assert.equal(second.partReads, 0, 'remembered');
    for (const done of [first, second]) {
      assert.equal(done.result.method, 'multipart');
      assert.equal(done.copied.md5, done.etag);
    }
  });
});
