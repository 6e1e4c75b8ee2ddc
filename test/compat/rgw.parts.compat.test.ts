import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Upload } from '@aws-sdk/lib-storage';
import { createBucket, headObject, readObject } from '../harness/s3TestClient.js';
import { md5, MiB, runJob, startCompatEnv, type CompatEnv } from './compatEnv.js';

/**
 * Multipart objects keep their part layout, so their `md5-N` ETag, through every copy path inside
 * Ceph RGW 16 and between two of its endpoints; re-runs then skip them by ETag. RGW 16 answers
 * `HEAD ?partNumber=1` (and GetObjectAttributes) as if the parameter were absent, so Ferry infers
 * the layout from the size and part count there: 8 MiB parts (the AWS CLI's), not the deployment's
 * own 5 MiB, so a kept ETag is the layout's doing.
 */
const PART = 8 * MiB;
const ODD = Math.round(1.3 * MiB) + 7;
const OBJECTS = [
  { key: 'parts/three', body: randomBytes(2 * PART + ODD), parts: 3 },
  { key: 'parts/seven', body: randomBytes(6 * PART + ODD), parts: 7 },
];

describe('multipart objects keep their parts (Ceph RGW)', () => {
  let env: CompatEnv;
  const sourceEtags = new Map<string, string>();

  async function upload(bucket: string) {
    for (const o of OBJECTS) await new Upload({ client: env.rgw, partSize: PART, queueSize: 4, params: { Bucket: bucket, Key: o.key, Body: o.body } }).done();
  }

  before(async () => {
    env = await startCompatEnv('parts');
    await createBucket(env.rgw, 'parts-src');
    await upload('parts-src');
    for (const o of OBJECTS) {
      const etag = (await headObject(env.rgw, 'parts-src', o.key)).ETag!;
      assert.match(etag, new RegExp(`^"[0-9a-f]{32}-${o.parts}"$`), `${o.key} was uploaded in ${o.parts} parts`);
      sourceEtags.set(o.key, etag);
    }
  });
  after(async () => {
    await env?.stop();
  });

  async function assertKept(bucket: string) {
    for (const o of OBJECTS) {
      assert.equal((await headObject(env.rgw, bucket, o.key)).ETag, sourceEtags.get(o.key), `${bucket}/${o.key} has the source's ETag`);
      const got = await readObject(env.rgw, bucket, o.key);
      assert.equal(got.size, o.body.length);
      assert.equal(got.md5, md5(o.body), `bytes of ${bucket}/${o.key}`);
    }
  }

  async function runAgainSkipping(job: Record<string, unknown>) {
    const done = await runJob(env.fromRgw, job);
    assert.equal(done.progress.total_objects, OBJECTS.length);
    assert.equal(done.progress.skipped_objects, OBJECTS.length, `${String(job.job_id)} skipped both`);
    assert.equal(done.progress.completed_objects ?? 0, 0, `${String(job.job_id)} copied nothing`);
  }

  const https = () => ({
    destination_endpoint: env.ceph.httpsEndpoint,
    destination_access_key: env.ceph.user.accessKey,
    destination_secret_key: env.ceph.user.secretKey,
  });

  it('inside one RGW: CopyObject keeps the ETag (RGW keeps a multipart manifest on copy); a re-run skips both', async () => {
    await createBucket(env.rgw, 'parts-same');
    const job = { job_id: 'parts-same', source_bucket: 'parts-src', destination_bucket: 'parts-same' };
    const done = await runJob(env.fromRgw, job);
    assert.equal(done.progress.completed_objects, OBJECTS.length);
    await assertKept('parts-same');
    await runAgainSkipping({ ...job, job_id: 'parts-same-again' });
  });

  it('inside one RGW under a rate cap: UploadPartCopy in the source\'s parts (not 16 MiB ones, 2 s of the cap); a re-run skips both', async () => {
    await createBucket(env.rgw, 'parts-capped');
    const job = { job_id: 'parts-capped', source_bucket: 'parts-src', destination_bucket: 'parts-capped', rate_limit_bytes_per_sec: 8 * MiB };
    const done = await runJob(env.fromRgw, job);
    assert.equal(done.progress.completed_objects, OBJECTS.length);
    await assertKept('parts-capped');
    await runAgainSkipping({ ...job, job_id: 'parts-capped-again' });
  });

  it('between two RGW endpoints (HTTP to HTTPS, streamed): a multipart upload in the source\'s parts; a re-run skips both', async () => {
    await createBucket(env.rgw, 'parts-across');
    const job = { job_id: 'parts-across', source_bucket: 'parts-src', destination_bucket: 'parts-across', ...https() };
    const done = await runJob(env.fromRgw, job);
    assert.equal(done.progress.completed_objects, OBJECTS.length);
    await assertKept('parts-across');
    await runAgainSkipping({ ...job, job_id: 'parts-across-again' });
  });

  it('skips by ETag alone: sources written again with the same bytes and parts, newer than their copies, are not copied again', async () => {
    const copiedAt = Math.max(...(await Promise.all(OBJECTS.map(async (o) => (await headObject(env.rgw, 'parts-across', o.key)).LastModified!.getTime()))));
    // LastModified has whole seconds: written again until the source is strictly newer than every copy.
    let newest = 0;
    do {
      await upload('parts-src');
      newest = Math.min(...(await Promise.all(OBJECTS.map(async (o) => (await headObject(env.rgw, 'parts-src', o.key)).LastModified!.getTime()))));
    } while (newest <= copiedAt);
    for (const o of OBJECTS) assert.equal((await headObject(env.rgw, 'parts-src', o.key)).ETag, sourceEtags.get(o.key), 'same bytes, same parts, same ETag');
    // By size and LastModified alone both would be copied again (the source is newer); equal ETags say they are the same.
    await runAgainSkipping({ job_id: 'parts-across-newer', source_bucket: 'parts-src', destination_bucket: 'parts-across', ...https() });
  });
});
