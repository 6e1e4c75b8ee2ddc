import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { GENERATED_LAST_MODIFIED, startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
const key = (i: number) => `obj/${String(i).padStart(10, '0')}`;

function client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

describe('synthetic S3 endpoint through @aws-sdk/client-s3', () => {
  let s3: SyntheticS3;
  let sdk: S3Client;

  before(async () => {
    s3 = await startSyntheticS3({
      buckets: {
        source: { count: 2500, size: (i) => 100 + (i % 7) },
        big: { count: 3, size: 200_000, prefix: 'big/' },
      },
    });
    sdk = client(s3.endpoint);
  });
  after(async () => {
    sdk.destroy();
    await s3.stop();
  });

  it('lists 2,500 objects in pages of at most 1,000, in key order, through continuation tokens', async () => {
    const pageSizes: number[] = [];
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', ContinuationToken: token }));
      pageSizes.push(page.KeyCount!);
      for (const object of page.Contents ?? []) keys.push(object.Key!);
      assert.equal(page.IsTruncated, page.NextContinuationToken !== undefined);
      token = page.NextContinuationToken;
    } while (token !== undefined);
    assert.deepEqual(pageSizes, [1000, 1000, 500]);
    assert.deepEqual(keys, Array.from({ length: 2500 }, (_, i) => key(i)));
  });

  it('starts after StartAfter, also for a key between two generated ones', async () => {
    const exact = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', StartAfter: key(1234), MaxKeys: 3 }));
    assert.deepEqual(exact.Contents?.map((o) => o.Key), [key(1235), key(1236), key(1237)]);
    const between = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', StartAfter: `${key(2497)}~` }));
    assert.deepEqual(between.Contents?.map((o) => o.Key), [key(2498), key(2499)]);
    assert.equal(between.IsTruncated, false);
    const past = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', StartAfter: key(2499) }));
    assert.equal(past.KeyCount, 0);
    assert.equal(past.Contents, undefined);
  });

  it('pages with StartAfter and continuation together, and honours a prefix', async () => {
    const first = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', Prefix: 'obj/00000001', StartAfter: key(150), MaxKeys: 40 }));
    assert.equal(first.KeyCount, 40);
    assert.equal(first.Contents![0]!.Key, key(151));
    const second = await sdk.send(
      new ListObjectsV2Command({ Bucket: 'source', Prefix: 'obj/00000001', StartAfter: key(150), ContinuationToken: first.NextContinuationToken }),
    );
    assert.deepEqual(second.Contents?.map((o) => o.Key), Array.from({ length: 9 }, (_, i) => key(191 + i)));
    assert.equal(second.IsTruncated, false);
    const none = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', Prefix: 'other/' }));
    assert.equal(none.KeyCount, 0);
  });

  it('lists sizes, ETags and LastModified that match what GET serves', async () => {
    const page = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', StartAfter: key(9), MaxKeys: 2 }));
    for (const listed of page.Contents!) {
      const got = await sdk.send(new GetObjectCommand({ Bucket: 'source', Key: listed.Key }));
      const body = await got.Body!.transformToByteArray();
      assert.equal(listed.Size, body.length);
      assert.equal(listed.ETag, `"${md5(body)}"`);
      assert.equal(listed.LastModified?.toISOString(), GENERATED_LAST_MODIFIED);
    }
  });

  it('GETs a generated object with its headers, a body matching its ETag, and neighbours that differ', async () => {
    const got = await sdk.send(new GetObjectCommand({ Bucket: 'source', Key: key(10) }));
    const body = await got.Body!.transformToByteArray();
    assert.equal(body.length, 100 + (10 % 7));
    assert.equal(got.ContentLength, body.length);
    assert.equal(got.ETag, `"${md5(body)}"`);
    assert.equal(got.ContentType, 'application/octet-stream');
    assert.equal(got.LastModified?.toISOString(), GENERATED_LAST_MODIFIED);
    assert.deepEqual(got.Metadata, { index: '10' });
    const again = await (await sdk.send(new GetObjectCommand({ Bucket: 'source', Key: key(10) }))).Body!.transformToByteArray();
    assert.deepEqual(again, body);
    const next = await (await sdk.send(new GetObjectCommand({ Bucket: 'source', Key: key(17) }))).Body!.transformToByteArray();
    assert.equal(next.length, body.length);
    assert.notDeepEqual(next, body);
  });

  it('serves bodies larger than one internal chunk, and byte ranges of them', async () => {
    const whole = await (await sdk.send(new GetObjectCommand({ Bucket: 'big', Key: 'big/0000000001' }))).Body!.transformToByteArray();
    assert.equal(whole.length, 200_000);
    const head = await sdk.send(new HeadObjectCommand({ Bucket: 'big', Key: 'big/0000000001' }));
    assert.equal(head.ETag, `"${md5(whole)}"`);
    const ranged = await sdk.send(new GetObjectCommand({ Bucket: 'big', Key: 'big/0000000001', Range: 'bytes=65530-131080' }));
    assert.equal(ranged.ContentRange, 'bytes 65530-131080/200000');
    assert.deepEqual(await ranged.Body!.transformToByteArray(), whole.subarray(65530, 131081));
  });

  it('HEADs a generated object and answers 404 past the last index', async () => {
    const head = await sdk.send(new HeadObjectCommand({ Bucket: 'source', Key: key(2499) }));
    assert.equal(head.ContentLength, 100 + (2499 % 7));
    assert.equal(head.Metadata?.index, '2499');
    await assert.rejects(sdk.send(new HeadObjectCommand({ Bucket: 'source', Key: key(2500) })), (e: S3ServiceException) => e.$metadata.httpStatusCode === 404);
    await assert.rejects(sdk.send(new GetObjectCommand({ Bucket: 'source', Key: key(2500) })), { name: 'NoSuchKey' });
    await assert.rejects(sdk.send(new ListObjectsV2Command({ Bucket: 'nothing' })), { name: 'NoSuchBucket' });
  });

  it('accepts a PUT into a new bucket, answers its MD5 as ETag, then HEADs and lists it', async () => {
    const body = Buffer.from('hello synthetic world');
    const put = await sdk.send(new PutObjectCommand({ Bucket: 'sink', Key: 'a/é b+c.txt', Body: body }));
    assert.equal(put.ETag, `"${md5(body)}"`);
    const head = await sdk.send(new HeadObjectCommand({ Bucket: 'sink', Key: 'a/é b+c.txt' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ETag, `"${md5(body)}"`);
    const accepted = s3.accepted('sink');
    assert.ok(accepted instanceof Map);
    const record = accepted.get('a/é b+c.txt');
    assert.equal(record?.size, body.length);
    assert.equal(record?.md5, md5(body));
    const listed = await sdk.send(new ListObjectsV2Command({ Bucket: 'sink' }));
    assert.deepEqual(listed.Contents?.map((o) => [o.Key, o.Size]), [['a/é b+c.txt', body.length]]);
  });

  it('completes a lib-storage multipart upload of 12 MiB in 5 MiB parts with an S3-style ETag', async () => {
    const body = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body[i] = (i / 4096) & 0xff;
    const partMd5s = [0, 1, 2].map((p) => createHash('md5').update(body.subarray(p * 5 * 1024 * 1024, (p + 1) * 5 * 1024 * 1024)).digest());
    const expected = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3`;
    const before = s3.stats();
    const result = await new Upload({ client: sdk, params: { Bucket: 'sink', Key: 'multi/blob', Body: body }, partSize: 5 * 1024 * 1024, queueSize: 2 }).done();
    assert.equal(result.ETag, `"${expected}"`);
    const head = await sdk.send(new HeadObjectCommand({ Bucket: 'sink', Key: 'multi/blob' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ETag, `"${expected}"`);
    const after = s3.stats();
    assert.equal(after.puts - before.puts, 3);
    assert.equal(after.bytesIn - before.bytesIn, body.length);
  });

  it('answers tagging requests with valid XML', async () => {
    await sdk.send(new PutObjectTaggingCommand({ Bucket: 'sink', Key: 'multi/blob', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    const sinkTags = await sdk.send(new GetObjectTaggingCommand({ Bucket: 'sink', Key: 'multi/blob' }));
    assert.deepEqual(sinkTags.TagSet ?? [], []);
    const generated = await sdk.send(new GetObjectTaggingCommand({ Bucket: 'source', Key: key(3) }));
    assert.deepEqual(generated.TagSet, [{ Key: 'parity', Value: 'odd' }]);
  });

  it('counts requests by kind', async () => {
    const before = s3.stats();
    await sdk.send(new ListObjectsV2Command({ Bucket: 'source', MaxKeys: 1 }));
    await sdk.send(new HeadObjectCommand({ Bucket: 'source', Key: key(0) }));
    await (await sdk.send(new GetObjectCommand({ Bucket: 'source', Key: key(0) }))).Body!.transformToByteArray();
    await sdk.send(new PutObjectCommand({ Bucket: 'sink', Key: 'count-me', Body: 'abc' }));
    const after = s3.stats();
    assert.deepEqual(
      { lists: after.lists - before.lists, heads: after.heads - before.heads, gets: after.gets - before.gets, puts: after.puts - before.puts, bytesIn: after.bytesIn - before.bytesIn },
      { lists: 1, heads: 1, gets: 1, puts: 1, bytesIn: 3 },
    );
  });
});

describe('synthetic S3 endpoint without per-key records', () => {
  it('only counts accepted objects and refuses aws-chunked uploads instead of storing their framing', async () => {
    const s3 = await startSyntheticS3({ buckets: {}, recordAccepted: false });
    const sdk = client(s3.endpoint);
    const chunky = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      for (let i = 0; i < 3; i++) await sdk.send(new PutObjectCommand({ Bucket: 'sink', Key: `k${i}`, Body: 'x' }));
      assert.equal(s3.accepted('sink'), 3);
      assert.equal(s3.accepted('never-written'), 0);
      const { Readable } = await import('node:stream');
      await assert.rejects(
        chunky.send(new PutObjectCommand({ Bucket: 'sink', Key: 'chunked', Body: Readable.from([Buffer.from('abc')]), ContentLength: 3 })),
        (e: S3ServiceException) => e.$metadata.httpStatusCode === 501,
      );
      assert.equal(s3.accepted('sink'), 3);
    } finally {
      sdk.destroy();
      chunky.destroy();
      await s3.stop();
    }
  });
});
