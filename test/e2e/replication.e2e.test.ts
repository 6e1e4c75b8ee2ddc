import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadFerryProto } from '../../libs/transport/index.js';
import { startFerry, TEST_TOKEN, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, readObject, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitForProgress } from '../harness/waitFor.js';

const MiB = 1024 * 1024;

/** 1,000+ objects covering the sizes and key shapes the spine issue names. */
function seedObjects(): SeedObject[] {
  const objects: SeedObject[] = [
    { key: 'empty', body: Buffer.alloc(0) },
    { key: 'one-byte', body: Buffer.from('x') },
    { key: 'dir/with spaces/file name.txt', body: randomBytes(3000), contentType: 'text/plain', metadata: { owner: 'ops' } },
    { key: 'unicode/日本語/ファイル-ü.bin', body: randomBytes(5000) },
    { key: 'percent/100%-done %41.txt', body: randomBytes(700), cacheControl: 'max-age=60' },
    { key: 'nested/a/b/c/d/e.json', body: Buffer.from('{"a":1}'), contentType: 'application/json', contentDisposition: 'attachment; filename="e.json"' },
    { key: 'large/over-multipart-threshold.bin', body: randomBytes(12 * MiB + 123), contentType: 'application/octet-stream', metadata: { kind: 'large' } },
  ];
  for (let i = 0; i < 1000; i++) {
    objects.push({ key: `bulk/${String(i).padStart(4, '0')}.dat`, body: randomBytes(1 + (i * 37) % 6000), contentType: 'application/x-test', metadata: { index: String(i) } });
  }
  return objects;
}

async function assertReplicated(source: S3Client, sourceBucket: string, destination: S3Client, destinationBucket: string, expected: SeedObject[]) {
  const keys = await listKeys(destination, destinationBucket);
  assert.equal(keys.length, expected.length, 'every object arrived');
  let next = 0;
  const check = async () => {
    while (next < expected.length) {
      const object = expected[next++]!;
      const [a, b] = await Promise.all([readObject(source, sourceBucket, object.key), readObject(destination, destinationBucket, object.key)]);
      assert.equal(b.md5, a.md5, `bytes of ${object.key}`);
      assert.equal(b.size, a.size, `size of ${object.key}`);
      assert.equal(b.contentType, a.contentType, `content type of ${object.key}`);
      assert.equal(b.cacheControl, a.cacheControl, `cache control of ${object.key}`);
      assert.equal(b.contentDisposition, a.contentDisposition, `content disposition of ${object.key}`);
      assert.deepEqual(b.metadata, a.metadata, `metadata of ${object.key}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, check));
}

describe('replication end to end (nats-server + s3rver + ferry --target all)', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let source: S3Client;
  let remote: S3Client;
  const objects = seedObjects();

  before(async () => {
    env = await startTestEnv('e2e', 2);
    source = testS3Client(env.s3[0]!.endpoint);
    remote = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'production-data');
    await createBucket(source, 'backup-data');
    await createBucket(remote, 'dr-copy');
    await putObjects(source, 'production-data', objects);
    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_MULTIPART_THRESHOLD: String(5 * MiB), FERRY_PART_SIZE: String(5 * MiB) },
    });
  });

  after(async () => {
    await ferry?.stop();
    await env?.stop();
  });

  it('copies a basic job created and started over REST, reaching completed with exact counts', async () => {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: 'migration-2024-01',
      source_bucket: 'production-data',
      destination_bucket: 'backup-data',
      description: 'Monthly backup of production data',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.status, 'pending');
    assert.equal(created.body.job_id, 'migration-2024-01');

    const started = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/migration-2024-01/start');
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.status, 'running');

    const done = await waitForJob(ferry.httpPort!, 'migration-2024-01', 'job completed', (body) => {
      if (body.status === 'failed') throw new Error(`job failed: ${JSON.stringify(body)}`);
      return body.status === 'completed';
    });
    const totalBytes = objects.reduce((sum, o) => sum + o.body.length, 0);
    assert.equal(done.progress.total_objects, objects.length);
    assert.equal(done.progress.completed_objects, objects.length);
    assert.equal(done.progress.failed_objects ?? 0, 0);
    assert.equal(done.progress.total_bytes, totalBytes);
    assert.equal(done.progress.completed_bytes, totalBytes);
    assert.match(done.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.match(done.started_at, /Z$/);
    assert.match(done.completed_at, /Z$/);
    await assertReplicated(source, 'production-data', source, 'backup-data', objects);

    const listed = await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.jobs.map((j: { job_id: string }) => j.job_id), ['migration-2024-01']);
  });

  it('copies a cross-cluster job created and started over gRPC, never returning the secret', async () => {
    const { packageDefinition } = loadFerryProto();
    const proto = grpc.loadPackageDefinition(packageDefinition) as any;
    const client = new proto.ferry.v1.BatchJobs(`127.0.0.1:${ferry.grpcPort}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${TEST_TOKEN}`);
    const call = <T>(method: string, request: unknown) =>
      new Promise<T>((resolve, reject) => client[method](request, metadata, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

    const created = await call<any>('CreateJob', {
      job_id: 'dr-replication-001',
      source_bucket: 'production-data',
      destination_bucket: 'dr-copy',
      destination_endpoint: env.s3[1]!.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      description: 'Disaster recovery replication',
    });
    assert.equal(created.status, 'pending');
    assert.equal(created.destination_secret_key, '********');
    await call('StartJob', { job_id: 'dr-replication-001' });
    const done = await waitForProgress('cross-cluster job completed', async () => {
      const job = await call<any>('GetJob', { job_id: 'dr-replication-001' });
      if (job.status === 'failed') throw new Error(`job failed: ${JSON.stringify(job)}`);
      return { done: job.status === 'completed' ? job : undefined, progress: { status: job.status, run: job.run, progress: job.progress } };
    });
    assert.equal(Number(done.progress.completed_objects), objects.length);
    assert.equal(done.destination_secret_key, '********');
    client.close();
    await assertReplicated(source, 'production-data', remote, 'dr-copy', objects);
  });

  it("holds a job's rate limit: its bytes take at least as long as the limit allows", async () => {
    const rate = 40_000;
    const selected = objects.filter((o) => o.key.startsWith('bulk/00'));
    const bytes = selected.reduce((sum, o) => sum + o.body.length, 0);
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: 'throttled',
      source_bucket: 'production-data',
      destination_bucket: 'throttled-copy',
      destination_endpoint: env.s3[1]!.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      prefix: 'bulk/00',
      rate_limit_bytes_per_sec: rate,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Streamed between two endpoints: the limit applies to bytes that pass through copiers.
    await createBucket(remote, 'throttled-copy');
    assert.equal((await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/throttled/start')).status, 200);
    const done = await waitForJob(ferry.httpPort!, 'throttled', 'throttled job completed', (body) => body.status === 'completed');
    assert.equal(done.progress.completed_bytes, bytes);
    const seconds = (Date.parse(done.completed_at) - Date.parse(done.started_at)) / 1000;
    const burst = 64 * 1024;
    assert.ok(seconds >= (bytes - burst) / rate, `${bytes} bytes at ${rate} B/s took only ${seconds} s`);
  });

  it('holds the rate limit for a same-cluster (server-side) job too', async () => {
    const rate = 3 * MiB;
    const selected = objects.filter((o) => o.key.startsWith('large/'));
    const bytes = selected.reduce((sum, o) => sum + o.body.length, 0);
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: 'throttled-same-cluster',
      source_bucket: 'production-data',
      destination_bucket: 'throttled-backup',
      prefix: 'large/',
      rate_limit_bytes_per_sec: rate,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await createBucket(source, 'throttled-backup');
    assert.equal((await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/throttled-same-cluster/start')).status, 200);
    const done = await waitForJob(ferry.httpPort!, 'throttled-same-cluster', 'throttled same-cluster job completed', (body) => {
      if (body.status === 'failed') throw new Error(`job failed: ${JSON.stringify(body)}`);
      return body.status === 'completed';
    });
    assert.equal(done.progress.completed_bytes, bytes);
    const seconds = (Date.parse(done.completed_at) - Date.parse(done.started_at)) / 1000;
    // A lower bound only: bytes beyond one ~100 ms slice must be paid for in time, whichever path moves them.
    const burst = rate * 0.1;
    assert.ok(seconds >= (bytes - burst) / rate, `${bytes} bytes at ${rate} B/s took only ${seconds} s`);
    await assertReplicated(source, 'production-data', source, 'throttled-backup', selected);
  });
});
