import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

/**
 * Work items across copier processes: the job's concurrency is a cap over all of
 * them, long copies keep their items with heartbeats, and an item held by a copier
 * that dies goes to another one and is counted once.
 */
describe('copier processes sharing a job', () => {
  let env: TestEnv;
  let proxy: FaultProxy;
  let source: S3Client;
  let destination: S3Client;
  let ferryEnv: FerryEnv;
  let control: FerryProcess;
  const processes: FerryProcess[] = [];
  const objects: SeedObject[] = Array.from({ length: 30 }, (_, i) => ({ key: `w/${String(i).padStart(2, '0')}`, body: randomBytes(1000 + i) }));

  before(async () => {
    env = await startTestEnv('copiers', 2);
    source = testS3Client(env.s3[0]!.endpoint);
    destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    for (const bucket of ['capped', 'long', 'killed']) await createBucket(destination, bucket);
    await putObjects(source, 'src', objects);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    // A 2 s ack wait: a copy that outlives it must heartbeat to keep its item.
    ferryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry'), extraEnv: { FERRY_WORK_ACK_WAIT: '2s' } };
    control = await startFerry('control', ferryEnv);
    processes.push(control, await startFerry('projector', ferryEnv), await startFerry('lister', ferryEnv));
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await proxy?.stop();
    await env?.stop();
  });

  async function startJob(jobId: string, bucket: string, extra: Record<string, unknown>) {
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: bucket,
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      ...extra,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${jobId}/start`)).status, 200);
  }

  const completed = (jobId: string) =>
    waitForJob(control.httpPort!, jobId, 'completed', (body) => {
      if (body.status === 'failed') throw new Error(JSON.stringify(body));
      return body.status === 'completed';
    });

  const putsOf = (bucket: string, key: string) => proxy.requestLog().filter((line) => line === `PUT /${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`).length;

  it("caps in-flight copies at the job's concurrency across two copier processes", async () => {
    processes.push(await startFerry('copier', ferryEnv), await startFerry('copier', ferryEnv));
    proxy.setFaults({ latencyMs: 150 });
    await startJob('capped', 'capped', { concurrency: 3 });
    const job = await completed('capped');
    proxy.setFaults({ latencyMs: 0 });
    assert.equal(job.progress.completed_objects, objects.length);
    assert.ok(proxy.maxPutsInFlight() <= 3, `at most 3 PUTs at once, saw ${proxy.maxPutsInFlight()}`);
    assert.ok(proxy.maxPutsInFlight() >= 2, 'copies did run concurrently');
    // Stop these copiers: the next tests control which copier holds the work.
    await Promise.all(processes.splice(3).map((p) => p.kill()));
  });

  it('keeps an item while a copy outlasts the ack wait, copying it once', async () => {
    const copier = await startFerry('copier', ferryEnv);
    processes.push(copier);
    proxy.setFaults({ latencyMs: 3500 });
    await startJob('long', 'long', { concurrency: 3, prefix: 'w/0' });
    const job = await completed('long');
    proxy.setFaults({ latencyMs: 0 });
    await Promise.all(processes.splice(3).map((p) => p.kill()));
    assert.equal(job.progress.completed_objects, 10);
    for (const o of objects.slice(0, 10)) assert.equal(putsOf('long', o.key), 1, `${o.key} was copied once`);
  });

  it('hands the items of a killed copier to another, copying them again but counting them once', async () => {
    const doomed = await startFerry('copier', ferryEnv);
    proxy.setFaults({ latencyMs: 2500 });
    await startJob('killed', 'killed', { concurrency: 4, prefix: 'w/1' });
    await waitFor('a copy in progress', async () => (proxy.requestLog().some((l) => l.startsWith('PUT /killed/')) ? true : undefined), 120_000);
    await doomed.kill();
    proxy.setFaults({ latencyMs: 0 });
    processes.push(await startFerry('copier', ferryEnv));
    const job = await completed('killed');
    assert.equal(job.progress.total_objects, 10);
    assert.equal(job.progress.completed_objects, 10, 'each object counted once');
    assert.deepEqual(await listKeys(destination, 'killed'), objects.slice(10, 20).map((o) => o.key));
    assert.ok(objects.slice(10, 20).some((o) => putsOf('killed', o.key) >= 2), 'an item held by the killed copier was copied again');
  });
});
