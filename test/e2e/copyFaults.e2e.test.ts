import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, readObject, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

/** The copy engine inside a running job, with the destination behind the fault-injecting proxy. */
describe('copying through faulty storage', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let proxy: FaultProxy;
  let source: S3Client;
  let destination: S3Client;
  const objects: SeedObject[] = Array.from({ length: 120 }, (_, i) => ({ key: `f/${String(i).padStart(3, '0')}`, body: randomBytes(2000 + i * 10) }));

  before(async () => {
    env = await startTestEnv('faults', 2);
    source = testS3Client(env.s3[0]!.endpoint);
    destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    for (const bucket of ['flaky', 'corrupt', 'denied', 'vanish']) await createBucket(destination, bucket);
    await putObjects(source, 'src', objects);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  async function runJob(jobId: string, bucket: string, extra: Record<string, unknown> = {}) {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: bucket,
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      retry_delay: '100ms',
      retry_backoff: 'fixed',
      ...extra,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(ferry.httpPort!, 'POST', `/admin/batch/jobs/${jobId}/start`)).status, 200);
  }

  async function finished(jobId: string) {
    return waitForJob(ferry.httpPort!, jobId, 'finished', (body) => body.status === 'completed' || body.status === 'failed');
  }

  it('completes through 503s and reset connections, retrying what failed', async () => {
    proxy.setFaults({ error503Rate: 0.1, resetRate: 0.01, seed: 7 });
    const before = proxy.stats().faulted;
    await runJob('flaky', 'flaky', { max_retries: 6 });
    const job = await finished('flaky');
    proxy.setFaults({ error503Rate: 0, resetRate: 0 });
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.progress.completed_objects, objects.length);
    assert.ok(proxy.stats().faulted - before > 0, 'faults were injected and retried');
    const errors = await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/flaky/errors');
    assert.equal(errors.status, 200);
    assert.ok(errors.body.errors.length > 0, 'retried attempts show as worker errors');
    assert.match(errors.body.errors[0].error, /^attempt \d+: /);
    const times = errors.body.errors.map((e: { time: string }) => e.time);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    for (const o of objects.slice(0, 20)) assert.equal((await readObject(destination, 'flaky', o.key)).size, o.body.length);
    assert.equal((await listKeys(destination, 'flaky')).length, objects.length);
  });

  it('detects corrupted bytes, never counts them completed and leaves no bad object behind', async () => {
    proxy.setFaults({ corruptBodies: true, corruptObjectsOnly: true });
    // One copy at a time: s3rver 3.7.1 removes a key's emptied parent directory on DELETE while a concurrent
    // PUT under the same prefix may be about to write into it, and then fails that PUT (500) or crashes.
    await runJob('corrupt', 'corrupt', { max_retries: 1, prefix: 'f/00', concurrency: 1 });
    const job = await finished('corrupt');
    proxy.setFaults({ corruptBodies: false });
    assert.equal(job.status, 'failed', JSON.stringify(job));
    assert.equal(job.progress.completed_objects, 0, JSON.stringify(job));
    assert.equal(job.progress.failed_objects, 10, JSON.stringify(job));
    assert.match(job.error, /10 objects failed/);
    const report = await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/corrupt/failed');
    assert.equal(report.body.failed_objects.length, 10);
    for (const failed of report.body.failed_objects) {
      assert.equal(failed.error, 'checksum mismatch');
      assert.equal(failed.attempts, 2);
    }
    assert.deepEqual(await listKeys(destination, 'corrupt'), []);
  });

  it('fails objects at once, without retries, when the destination denies writes', async () => {
    proxy.setFaults({ denyWrites: true });
    const logStart = proxy.requestLog().length;
    await runJob('denied', 'denied', { max_retries: 5, prefix: 'f/01' });
    const job = await finished('denied');
    proxy.setFaults({ denyWrites: false });
    assert.equal(job.status, 'failed');
    assert.equal(job.progress.failed_objects, 10);
    const puts = proxy.requestLog().slice(logStart).filter((line) => line.startsWith('PUT /denied/'));
    assert.equal(puts.length, 10, 'one PUT per object: access denied is not retried');
  });

  it('reports an object that vanished from the source after listing as skipped', async () => {
    proxy.setFaults({ latencyMs: 300 });
    await runJob('vanish', 'vanish', { concurrency: 1, prefix: 'f/02' });
    await waitForJob(ferry.httpPort!, 'vanish', 'listing complete', (body) => body.progress?.listing_complete === true);
    await source.send(new DeleteObjectCommand({ Bucket: 'src', Key: 'f/029' }));
    const job = await finished('vanish');
    proxy.setFaults({ latencyMs: 0 });
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.progress.total_objects, 10);
    assert.equal(job.progress.skipped_objects, 1);
    assert.equal(job.progress.completed_objects, 9);
  });
});
