import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, type SeedObject } from '../harness/s3TestClient.js';
import { MiB, putMultipart, runJob, startCompatEnv, type CompatEnv } from './compatEnv.js';

const OBJECTS = 12;

/**
 * The job's `verify: etag` and a verify run against Ceph RGW 16: its unquoted copy ETags, its empty
 * CompleteMultipartUpload ETag (the HEAD then tells the `md5-N`), and ETags of objects written in parts.
 */
describe('verification against Ceph RGW', () => {
  let env: CompatEnv;
  const small: SeedObject[] = Array.from({ length: OBJECTS }, (_, i) => ({ key: `v/${String(i).padStart(3, '0')}`, body: randomBytes(1000 + i) }));
  const large: SeedObject = { key: 'v/large.bin', body: randomBytes(12 * MiB + 7) };

  async function verified(ferry: CompatEnv['fromRgw'], jobId: string, run: number): Promise<any> {
    const answer = await rest(ferry.httpPort!, 'POST', `/admin/batch/jobs/${jobId}/verify`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.run, run);
    return waitForJob(ferry.httpPort!, jobId, 'verified', (j) => j.run === run && (j.status === 'completed' || j.status === 'failed'));
  }

  before(async () => {
    env = await startCompatEnv('verify');
    await createBucket(env.rgw, 'rgw-src');
    await putObjects(env.rgw, 'rgw-src', small, 8);
    await putMultipart(env.rgw, 'rgw-src', large);
    await createBucket(env.s3, 's3-src');
    await putObjects(env.s3, 's3-src', small, 8);
    await putMultipart(env.s3, 's3-src', large);
  });

  after(async () => {
    await env?.stop();
  });

  it('copies inside RGW with verify: etag (server-side copies, unquoted ETags), and a verify run finds 1 missing, 1 differing, 1 extra', async () => {
    await createBucket(env.rgw, 'rgw-dst');
    const done = await runJob(env.fromRgw, { job_id: 'rgw-etag', source_bucket: 'rgw-src', destination_bucket: 'rgw-dst', verify: 'etag' });
    assert.equal(done.progress.completed_objects, OBJECTS + 1);

    const clean = await verified(env.fromRgw, 'rgw-etag', 2);
    assert.equal(clean.status, 'completed', JSON.stringify(clean));
    assert.equal(clean.progress.matched_objects, OBJECTS + 1, 'the multipart object kept its md5-N ETag');

    await env.rgw.send(new DeleteObjectCommand({ Bucket: 'rgw-dst', Key: 'v/002' }));
    await putObjects(env.rgw, 'rgw-dst', [
      { key: 'v/005', body: randomBytes(1005) },
      { key: 'v/extra', body: Buffer.from('only here') },
    ]);
    const job = await verified(env.fromRgw, 'rgw-etag', 3);
    assert.equal(job.status, 'failed');
    assert.equal(job.error, 'verify found differences: 1 missing, 1 differing, 1 extra');
    const { matched_objects, missing_objects, differing_objects, extra_objects, failed_objects } = job.progress;
    assert.deepEqual({ matched_objects, missing_objects, differing_objects, extra_objects, failed_objects }, { matched_objects: OBJECTS - 1, missing_objects: 1, differing_objects: 1, extra_objects: 1, failed_objects: 0 });
    const differences = await rest(env.fromRgw.httpPort!, 'GET', '/admin/batch/jobs/rgw-etag/differences');
    assert.deepEqual(
      differences.body.differences.map((d: { key: string; difference: string }) => [d.key, d.difference]),
      [
        ['v/002', 'missing'],
        ['v/005', 'differing'],
        ['v/extra', 'extra'],
      ],
    );
  });

  it('copies s3rver to RGW with verify: etag (streamed PUTs; a multipart upload RGW answers with an empty ETag), then verifies', async () => {
    await createBucket(env.rgw, 'from-s3rver');
    const done = await runJob(env.fromS3rver, {
      job_id: 's3rver-etag',
      source_bucket: 's3-src',
      destination_bucket: 'from-s3rver',
      destination_endpoint: env.ceph.endpoint,
      destination_access_key: env.ceph.user.accessKey,
      destination_secret_key: env.ceph.user.secretKey,
      verify: 'etag',
    });
    // The large object: s3rver's ETag is a plain MD5, RGW's copy (Ferry's own 5 MiB parts) an md5-3; the
    // copy's whole-object MD5 stood for the ETag, and the HEAD checked the size.
    assert.equal(done.progress.completed_objects, OBJECTS + 1);
    assert.equal(done.progress.failed_objects ?? 0, 0);

    const job = await verified(env.fromS3rver, 's3rver-etag', 2);
    // A verify run has only the listings: those two ETags cannot be compared, so that key is not verified.
    assert.equal(job.status, 'failed');
    assert.equal(job.progress.matched_objects, OBJECTS);
    assert.equal(job.progress.failed_objects, 1);
    const failed = (await rest(env.fromS3rver.httpPort!, 'GET', '/admin/batch/jobs/s3rver-etag/failed')).body.failed_objects;
    assert.equal(failed.length, 1);
    assert.equal(failed[0].key, 'v/large.bin');
    assert.match(failed[0].error, /^ETags cannot be compared: [0-9a-f]{32} at the source, [0-9a-f]{32}-3 at the destination, written in different parts \(use verify: size or checksum\)$/);
  });
});
