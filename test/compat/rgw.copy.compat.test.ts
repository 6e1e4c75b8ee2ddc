import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rest } from '../harness/restClient.js';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createBucket, headObject, putObjects, type SeedObject } from '../harness/s3TestClient.js';
import { assertCopied, AWKWARD_KEYS, getTags, md5, MiB, putMultipart, putTags, readBody, runJob, startCompatEnv, type CompatEnv } from './compatEnv.js';

/** Headers and user metadata on every object; the large one is uploaded in parts (a "md5-N" ETag). */
function seedObjects(): { small: SeedObject[]; large: SeedObject } {
  const small: SeedObject[] = AWKWARD_KEYS.map((key, i) => ({
    key,
    body: randomBytes(100 + i * 357),
    contentType: i % 2 ? 'text/plain; charset=utf-8' : 'application/x-ferry-test',
    cacheControl: 'max-age=3600, must-revalidate',
    contentDisposition: `attachment; filename="file-${i}.bin"`,
    contentEncoding: i % 3 ? undefined : 'identity',
    metadata: { owner: 'ops', index: String(i) },
  }));
  small.push({ key: 'empty', body: Buffer.alloc(0), metadata: {} });
  const large: SeedObject = {
    key: 'large/multipart 24MiB+.bin',
    body: randomBytes(24 * MiB + 12_345),
    contentType: 'application/octet-stream',
    cacheControl: 'no-cache',
    metadata: { kind: 'large' },
  };
  return { small, large };
}

const TAGS = { team: 'storage', 'cost centre': 'a+b=c&d' };

/**
 * Ferry's copy paths against a real Ceph RADOS Gateway (Debian's radosgw 16), checked byte for byte
 * with the plain SDK. Each RGW difference from AWS on a copy path (../shared NOTES.md) is named where
 * a test covers it.
 */
describe('copies against Ceph RGW', () => {
  let env: CompatEnv;
  const { small, large } = seedObjects();
  const all = [...small, large];

  async function seed(client: CompatEnv['rgw'], bucket: string) {
    await createBucket(client, bucket);
    await putObjects(client, bucket, small, 8);
    await putMultipart(client, bucket, large);
    for (const key of [small[1]!.key, small[9]!.key, large.key]) await putTags(client, bucket, key, TAGS);
  }

  async function assertTags(client: CompatEnv['rgw'], bucket: string) {
    for (const key of [small[1]!.key, small[9]!.key, large.key]) assert.deepEqual(await getTags(client, bucket, key), TAGS, `tags of ${key}`);
    assert.deepEqual(await getTags(client, bucket, small[0]!.key), {}, 'an untagged object stays untagged');
  }

  before(async () => {
    env = await startCompatEnv('copy');
    await seed(env.rgw, 'rgw-src');
    await seed(env.s3, 's3-src');
  });

  after(async () => {
    await env?.stop();
  });

  it('copies inside one RGW (server-side CopyObject with the COPY directive: RGW drops tags under REPLACE): bytes, headers, metadata and tags', async () => {
    await createBucket(env.rgw, 'rgw-same');
    const done = await runJob(env.fromRgw, { job_id: 'same-cluster', source_bucket: 'rgw-src', destination_bucket: 'rgw-same' });
    assert.equal(done.progress.completed_objects, all.length);
    assert.equal(done.progress.failed_objects ?? 0, 0);
    await assertCopied(env.rgw, 'rgw-same', all);
    await assertTags(env.rgw, 'rgw-same');
  });

  it('copies a large object inside one RGW by UploadPartCopy (unquoted CopyPartResult ETags) under a rate cap', async () => {
    await createBucket(env.rgw, 'rgw-parts');
    // Under a cap, a server-side copy request moves at most 2 s of it: 24 MiB at 4 MiB/s goes in parts.
    const done = await runJob(env.fromRgw, {
      job_id: 'same-cluster-parts',
      source_bucket: 'rgw-src',
      destination_bucket: 'rgw-parts',
      prefix: 'large/',
      rate_limit_bytes_per_sec: 4 * MiB,
    });
    assert.equal(done.progress.completed_objects, 1);
    await assertCopied(env.rgw, 'rgw-parts', [large]);
    const head = await headObject(env.rgw, 'rgw-parts', large.key);
    // Copied in the source's 5 MiB parts (inferred: RGW 16 ignores ?partNumber), not 8 MiB ones (2 s at the cap).
    assert.equal(head.ETag, (await headObject(env.rgw, 'rgw-src', large.key)).ETag, 'completed from the source\'s parts');
    assert.match(head.ETag ?? '', /^"[0-9a-f]{32}-5"$/);
    assert.deepEqual(await getTags(env.rgw, 'rgw-parts', large.key), TAGS);
  });

  it('copies RGW to s3rver (the job names s3rver as its destination endpoint)', async () => {
    await createBucket(env.s3, 'from-rgw');
    const done = await runJob(env.fromRgw, {
      job_id: 'rgw-to-s3rver',
      source_bucket: 'rgw-src',
      destination_bucket: 'from-rgw',
      destination_endpoint: env.s3rver.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    });
    assert.equal(done.progress.completed_objects, all.length);
    await assertCopied(env.s3, 'from-rgw', all);
    await assertTags(env.s3, 'from-rgw');
  });

  it('copies s3rver to RGW: streamed PUTs without aws-chunked (RGW answers it 411), multipart with its empty CompleteMultipartUpload ETag, tags put after (RGW ignores x-amz-tagging on multipart)', async () => {
    await createBucket(env.rgw, 'from-s3rver');
    const done = await runJob(env.fromS3rver, {
      job_id: 's3rver-to-rgw',
      source_bucket: 's3-src',
      destination_bucket: 'from-s3rver',
      destination_endpoint: env.ceph.endpoint,
      destination_access_key: env.ceph.user.accessKey,
      destination_secret_key: env.ceph.user.secretKey,
    });
    assert.equal(done.progress.completed_objects, all.length);
    assert.equal(done.progress.completed_bytes, all.reduce((n, o) => n + o.body.length, 0));
    await assertCopied(env.rgw, 'from-s3rver', all);
    await assertTags(env.rgw, 'from-s3rver');
    const head = await headObject(env.rgw, 'from-s3rver', large.key);
    assert.match(head.ETag ?? '', /^"[0-9a-f]{32}-5"$/, 'uploaded in 5 MiB parts');
  });

  it('re-runs incrementally: a second job over the same buckets skips everything, RGW and s3rver as either side', async () => {
    const again = async (ferry: CompatEnv['fromRgw'], job: Record<string, unknown>) => {
      const done = await runJob(ferry, job);
      assert.equal(done.progress.total_objects, all.length, `${String(job.job_id)} listed everything`);
      assert.equal(done.progress.skipped_objects, all.length, `${String(job.job_id)} skipped everything`);
      assert.equal(done.progress.completed_objects ?? 0, 0, `${String(job.job_id)} copied nothing`);
    };
    await again(env.fromRgw, { job_id: 'same-cluster-again', source_bucket: 'rgw-src', destination_bucket: 'rgw-same' });
    await again(env.fromRgw, {
      job_id: 'rgw-to-s3rver-again',
      source_bucket: 'rgw-src',
      destination_bucket: 'from-rgw',
      destination_endpoint: env.s3rver.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    });
    await again(env.fromS3rver, {
      job_id: 's3rver-to-rgw-again',
      source_bucket: 's3-src',
      destination_bucket: 'from-s3rver',
      destination_endpoint: env.ceph.endpoint,
      destination_access_key: env.ceph.user.accessKey,
      destination_secret_key: env.ceph.user.secretKey,
    });
  });

  it('copies the latest version of each key from a versioned RGW bucket, and no deleted key', async () => {
    await createBucket(env.rgw, 'versioned');
    await env.rgw.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    const versions = [randomBytes(1000), randomBytes(2000), randomBytes(1500)];
    for (const body of versions) await env.rgw.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'doc', Body: body, ContentLength: body.length }));
    const kept = randomBytes(700);
    await env.rgw.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'kept', Body: kept, ContentLength: kept.length }));
    await env.rgw.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'deleted', Body: randomBytes(10), ContentLength: 10 }));
    await env.rgw.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'deleted' }));
    const listed = await env.rgw.send(new ListObjectVersionsCommand({ Bucket: 'versioned' }));
    assert.equal(listed.Versions?.length, 5, 'three versions of doc, kept, and the deleted key');
    assert.equal(listed.DeleteMarkers?.length, 1);

    await createBucket(env.rgw, 'versioned-same');
    await createBucket(env.s3, 'versioned-out');
    const same = await runJob(env.fromRgw, { job_id: 'versioned-same', source_bucket: 'versioned', destination_bucket: 'versioned-same' });
    const out = await runJob(env.fromRgw, {
      job_id: 'versioned-out',
      source_bucket: 'versioned',
      destination_bucket: 'versioned-out',
      destination_endpoint: env.s3rver.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    });
    for (const [done, client, bucket] of [[same, env.rgw, 'versioned-same'], [out, env.s3, 'versioned-out']] as const) {
      assert.equal(done.progress.completed_objects, 2, bucket);
      await assertCopied(client, bucket, [{ key: 'doc', body: versions[2]! }, { key: 'kept', body: kept }]);
    }
  });

  it('copies to and from RGW over HTTPS with a CA generated for the test, named by the job or by AWS_CA_BUNDLE', async () => {
    await createBucket(env.rgw, 'over-https');
    const https = {
      destination_endpoint: env.ceph.httpsEndpoint,
      destination_access_key: env.ceph.user.accessKey,
      destination_secret_key: env.ceph.user.secretKey,
    };
    // Without the CA, the start is refused at the TLS step: the job's success below is the CA's doing.
    const port = env.fromS3rver.httpPort!;
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'untrusted-https', source_bucket: 's3-src', destination_bucket: 'over-https', ...https })).status, 200);
    const refused = await rest(port, 'POST', '/admin/batch/jobs/untrusted-https/start');
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /cannot be reached \(tls\): CertificateRejected/);

    const up = await runJob(env.fromS3rver, { job_id: 's3rver-to-rgw-https', source_bucket: 's3-src', destination_bucket: 'over-https', ...https, destination_ca_bundle: env.ceph.caPem });
    assert.equal(up.progress.completed_objects, all.length);
    await assertCopied(env.rgw, 'over-https', all);
    await assertTags(env.rgw, 'over-https');

    // RGW over HTTP as the source, the same RGW over HTTPS as the destination (trusted through AWS_CA_BUNDLE): another endpoint, so streamed.
    await createBucket(env.rgw, 'over-https-2');
    const across = await runJob(env.fromRgw, { job_id: 'rgw-to-rgw-https', source_bucket: 'rgw-src', destination_bucket: 'over-https-2', ...https });
    assert.equal(across.progress.completed_objects, all.length);
    await assertCopied(env.rgw, 'over-https-2', all);
    assert.equal(md5(await readBody(env.rgw, 'over-https-2', large.key)), md5(large.body));
  });
  it('copies the objects a CSV manifest names, its awkward keys URL-encoded, an object RGW lacks counted skipped (issue 20 item 3)', async () => {
    await createBucket(env.rgw, 'rgw-lists');
    await createBucket(env.rgw, 'rgw-manifest');
    const named = small.slice(0, 10);
    const rows = [...named.map((o) => `rgw-src,${encodeURIComponent(o.key)}`), 'rgw-src,no+such+key'];
    const csv = Buffer.from(rows.join('\n'));
    await env.rgw.send(new PutObjectCommand({ Bucket: 'rgw-lists', Key: 'run.csv', Body: csv, ContentLength: csv.length }));
    const done = await runJob(env.fromRgw, { job_id: 'manifest', source_bucket: 'rgw-src', destination_bucket: 'rgw-manifest', manifest: { bucket: 'rgw-lists', key: 'run.csv' } });
    assert.equal(done.progress.completed_objects, named.length);
    assert.equal(done.progress.skipped_objects, 1);
    await assertCopied(env.rgw, 'rgw-manifest', named);
  });
});
