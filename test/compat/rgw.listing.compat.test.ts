import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createBucket, putObjects, type SeedObject } from '../harness/s3TestClient.js';
import { assertCopied, runJob, startCompatEnv, type CompatEnv } from './compatEnv.js';

const COUNT = 10_000;

/** Keys spread over prefixes so RGW's 1,000-key pages end inside and between them. */
function manyObjects(): SeedObject[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    key: `p${String(i % 7)}/${String(i).padStart(5, '0')}${i % 13 === 0 ? ' +&=.bin' : '.bin'}`,
    body: Buffer.from(`object ${i} `.repeat(1 + (i % 5))),
  }));
}

describe('10,000 objects listed across pages from Ceph RGW', () => {
  let env: CompatEnv;
  const objects = manyObjects();

  before(async () => {
    env = await startCompatEnv('listing');
    await createBucket(env.rgw, 'many');
    await putObjects(env.rgw, 'many', objects, 32);
  });

  after(async () => {
    await env?.stop();
  });

  it('copies every one of them RGW to s3rver, and a re-run skips them all', async () => {
    const page = await env.rgw.send(new ListObjectsV2Command({ Bucket: 'many' }));
    assert.equal(page.IsTruncated, true, 'RGW pages this listing');
    await createBucket(env.s3, 'many-copy');
    const job = {
      source_bucket: 'many',
      destination_bucket: 'many-copy',
      destination_endpoint: env.s3rver.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      concurrency: 32,
    };
    const done = await runJob(env.fromRgw, { job_id: 'many', ...job });
    assert.equal(done.progress.total_objects, COUNT);
    assert.equal(done.progress.completed_objects, COUNT);
    assert.equal(done.progress.total_bytes, objects.reduce((n, o) => n + o.body.length, 0));
    await assertCopied(env.s3, 'many-copy', objects);

    const again = await runJob(env.fromRgw, { job_id: 'many-again', ...job });
    assert.equal(again.progress.total_objects, COUNT);
    assert.equal(again.progress.skipped_objects, COUNT);
    assert.equal(again.progress.completed_objects ?? 0, 0);
  });
});
