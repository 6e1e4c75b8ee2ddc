import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';

const key = (i: number) => `obj/${String(i).padStart(10, '0')}`;

describe('tags on generated objects of the synthetic S3 endpoint', () => {
  let s3: SyntheticS3;
  let sdk: S3Client;

  before(async () => {
    s3 = await startSyntheticS3({
      buckets: {
        parity: { count: 4, size: 10 },
        sparse: { count: 2001, size: 10, tags: (i) => (i % 1000 === 0 ? { tier: 'archive', 'a&b': '<x>' } : undefined) },
      },
    });
    sdk = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  after(async () => {
    sdk.destroy();
    await s3.stop();
  });

  it('tags every object with its parity by default and says so in x-amz-tagging-count, as S3 does', async () => {
    const got = await sdk.send(new GetObjectCommand({ Bucket: 'parity', Key: key(1) }));
    await got.Body!.transformToByteArray();
    assert.equal(got.TagCount, 1);
    assert.deepEqual((await sdk.send(new GetObjectTaggingCommand({ Bucket: 'parity', Key: key(1) }))).TagSet, [{ Key: 'parity', Value: 'odd' }]);
  });

  it('gives only the objects the spec tags a tag count, and an empty tag set to the rest', async () => {
    for (const [i, count] of [[0, 2], [1, undefined], [999, undefined], [1000, 2], [2000, 2]] as const) {
      const got = await sdk.send(new GetObjectCommand({ Bucket: 'sparse', Key: key(i) }));
      await got.Body!.transformToByteArray();
      assert.equal(got.TagCount, count, `object ${i}`);
    }
    assert.deepEqual((await sdk.send(new GetObjectTaggingCommand({ Bucket: 'sparse', Key: key(1000) }))).TagSet, [
      { Key: 'tier', Value: 'archive' },
      { Key: 'a&b', Value: '<x>' },
    ]);
    assert.deepEqual((await sdk.send(new GetObjectTaggingCommand({ Bucket: 'sparse', Key: key(7) }))).TagSet ?? [], []);
  });
});
