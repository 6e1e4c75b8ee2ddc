import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StoredJobDefinition } from '../../libs/domain/index.js';
import { JobEventStore, STREAMS, consumers } from '../../libs/nats/index.js';
import { SecretSealer } from '../../libs/secrets/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { TEST_SECRET_KEY, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { assertNoMultipartUploads, createBucket, listKeys, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

/** Pause, resume, cancel and delete over a real job slowed by a proxy that delays each destination request. */
describe('pause, cancel and delete over a real job', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let proxy: FaultProxy;
  let nc: NatsConnection;
  let destination: S3Client;
  const objects: SeedObject[] = Array.from({ length: 40 }, (_, i) => ({ key: `p/${String(i).padStart(2, '0')}`, body: randomBytes(300 + i) }));

  before(async () => {
    env = await startTestEnv('lifecycle-pause', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    for (const bucket of ['paused', 'cancelled']) await createBucket(destination, bucket);
    await putObjects(source, 'src', objects);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    proxy.setFaults({ latencyMs: 150 });
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
    nc = await connect({ servers: env.nats.url });
  });

  after(async () => {
    await nc?.close();
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  const api = (method: string, path: string, body?: unknown) => rest(ferry.httpPort!, method, path, body);
  const view = async (jobId: string) => (await api('GET', `/admin/batch/jobs/${jobId}`)).body;

  async function startSlowJob(jobId: string, bucket: string) {
    const created = await api('POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: bucket,
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      concurrency: 2,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await api('POST', `/admin/batch/jobs/${jobId}/start`)).status, 200);
    await waitForJob(ferry.httpPort!, jobId, 'copying', (body) => body.progress?.completed_objects >= 4);
  }

  /** completed_objects once two reads a second apart agree: the in-flight copies have finished and reported. */
  async function settledCount(jobId: string): Promise<number> {
    let last = -1;
    return waitFor(`${jobId} settled`, async () => {
      const now = Number((await view(jobId)).progress.completed_objects);
      const settled = now === last ? now : undefined;
      last = now;
      return settled;
    }, 120_000, 1000);
  }

  it('pause stops new copies; resume copies every object exactly once', async () => {
    await startSlowJob('pauser', 'paused');
    const paused = await api('POST', '/admin/batch/jobs/pauser/pause');
    assert.equal(paused.status, 200);
    assert.equal(paused.body.status, 'paused');
    const stopped = await settledCount('pauser');
    assert.ok(stopped < objects.length, `paused at ${stopped} of ${objects.length}`);
    const putsAtRest = proxy.requestLog().filter((l) => l.startsWith('PUT /paused/')).length;
    assert.equal((await api('POST', '/admin/batch/jobs/pauser/pause')).status, 409);
    // A later read still shows the same count and no new writes reached the destination.
    await waitFor('a later read', async () => ((await view('pauser')).status === 'paused' ? true : undefined), 120_000);
    assert.equal(Number((await view('pauser')).progress.completed_objects), stopped);
    assert.equal(proxy.requestLog().filter((l) => l.startsWith('PUT /paused/')).length, putsAtRest);
    assert.equal((await listKeys(destination, 'paused')).length, stopped);

    const deleteRefused = await api('DELETE', '/admin/batch/jobs/pauser');
    assert.equal(deleteRefused.status, 409);
    assert.match(deleteRefused.body.error.message, /paused/);

    assert.equal((await api('POST', '/admin/batch/jobs/pauser/resume')).status, 200);
    const done = await waitForJob(ferry.httpPort!, 'pauser', 'completed', (v) => v.status === 'completed');
    assert.equal(Number(done.progress.completed_objects), objects.length);
    assert.equal(Number(done.progress.total_objects), objects.length);
    assert.equal(Number(done.progress.failed_objects ?? 0), 0);
    assert.deepEqual(await listKeys(destination, 'paused'), objects.map((o) => o.key));
    await assertNoMultipartUploads(destination, 'paused');
  });

  it('cancel discards the remaining work; delete removes the job and makes its secret unreadable', async () => {
    await startSlowJob('canceller', 'cancelled');
    const running = await api('DELETE', '/admin/batch/jobs/canceller');
    assert.equal(running.status, 409);
    assert.match(running.body.error.message, /running/);

    const cancelled = await api('POST', '/admin/batch/jobs/canceller/cancel');
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    const jsm = await nc.jetstreamManager();
    await assert.rejects(jsm.consumers.info(STREAMS.work, consumers.work('canceller', 1)), 'the run\'s work consumer is gone');
    const copied = await settledCount('canceller');
    assert.ok(copied < objects.length);
    assert.ok((await listKeys(destination, 'cancelled')).length < objects.length, 'the rest was never copied');
    await assertNoMultipartUploads(destination, 'cancelled');
    assert.equal((await view('canceller')).status, 'cancelled');
    const again = await api('POST', '/admin/batch/jobs/canceller/pause');
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /cancelled/);

    const deleted = await api('DELETE', '/admin/batch/jobs/canceller');
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal((await api('GET', '/admin/batch/jobs/canceller')).status, 404);
    await waitFor('removed from the list', async () => {
      const list = await api('GET', '/admin/batch/jobs');
      return (list.body.jobs ?? []).some((j: { job_id: string }) => j.job_id === 'canceller') ? undefined : true;
    }, 120_000);

    const events = await (await JobEventStore.open(nc)).read('canceller');
    const createdEvent = events.find((e) => e.event.type === 'JobCreated')!.event;
    const sealed = (createdEvent.data as { definition: StoredJobDefinition }).definition.destination_secret_key_sealed!;
    assert.ok(sealed && !sealed.includes('S3RVER'));
    const sealer = await SecretSealer.open(nc, TEST_SECRET_KEY);
    await assert.rejects(sealer.open('canceller', sealed));
    // The job that was not deleted can still be decrypted, so the rejection is the deletion's doing.
    const kept = (await (await JobEventStore.open(nc)).read('pauser')).find((e) => e.event.type === 'JobCreated')!.event;
    assert.equal(await sealer.open('pauser', (kept.data as { definition: StoredJobDefinition }).definition.destination_secret_key_sealed!), 'S3RVER');
  });
});
