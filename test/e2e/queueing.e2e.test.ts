import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { JobEventStore, KV, jobToken } from '../../libs/nats/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor, waitForProgress } from '../harness/waitFor.js';

/** max_concurrent_jobs=1 and history_limit=2 over real servers: the queue, its order, and history removal. */
describe('scheduling of jobs', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let proxy: FaultProxy;
  let nc: NatsConnection;
  const port = () => ferry.httpPort!;

  before(async () => {
    env = await startTestEnv('queueing', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    const destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    for (const bucket of ['dst-slow', 'dst-b', 'dst-c', 'dst-d']) await createBucket(destination, bucket);
    await putObjects(source, 'src', Array.from({ length: 5 }, (_, i) => ({ key: `k/${i}`, body: Buffer.from(`object ${i}`) })));
    // The first job copies through this proxy so slowly that it is still running when it is paused.
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    proxy.setFaults({ latencyMs: 5_000 });
    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_MAX_CONCURRENT_JOBS: '1', FERRY_HISTORY_LIMIT: '2' },
    });
    nc = await connect({ servers: env.nats.url });
  });

  after(async () => {
    await nc?.close();
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  async function create(jobId: string, bucket: string, extra: Record<string, unknown> = {}) {
    const created = await rest(port(), 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: bucket,
      destination_endpoint: env.s3[1]!.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      ...extra,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  }

  const get = async (jobId: string) => rest(port(), 'GET', `/admin/batch/jobs/${jobId}`);
  const start = async (jobId: string) => rest(port(), 'POST', `/admin/batch/jobs/${jobId}/start`);

  it('queues starts beyond the limit, runs them one at a time by priority, and keeps only the newest finished jobs', async () => {
    await create('slow', 'dst-slow', { destination_endpoint: proxy.endpoint });
    const first = await start('slow');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, 'running');
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/slow/pause')).body.status, 'paused');

    await create('job-b', 'dst-b', { priority: 50 });
    await create('job-c', 'dst-c', { priority: 200 });
    await create('job-d', 'dst-d', { priority: 200 });
    for (const jobId of ['job-b', 'job-c', 'job-d']) {
      const started = await start(jobId);
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal(started.body.status, 'pending', `${jobId} waits while the paused job holds the only slot`);
      assert.equal(started.body.queued, true);
    }
    const expected: Record<string, number> = { 'job-c': 1, 'job-d': 2, 'job-b': 3 };
    await waitForProgress('queue positions', async () => {
      const views = await Promise.all(Object.keys(expected).map(get));
      return {
        done: views.every((v) => v.body.queued === true && v.body.queue_position === expected[v.body.job_id]) ? true : undefined,
        progress: views.map((v) => [v.body.queued, v.body.queue_position]),
      };
    });
    const again = await start('job-c');
    assert.equal(again.status, 409, 'a waiting job cannot be started twice');
    assert.equal((await get('slow')).body.status, 'paused');

    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/slow/cancel')).body.status, 'cancelled');
    // job-b runs last: wait while any of the queued jobs moves.
    const last = await waitForProgress('job-b completed', async () => {
      const views = (await Promise.all(['job-b', 'job-c', 'job-d'].map(get))).map((v) => v.body);
      return { done: views[0].status === 'completed' ? views[0] : undefined, progress: views.map((v) => [v.status, v.queue_position, v.progress]) };
    });
    assert.notEqual(last.queued, true);
    assert.equal(last.progress.completed_objects, 5);
    assert.equal((await listKeys(testS3Client(env.s3[1]!.endpoint), 'dst-b')).length, 5);

    // The log's total order shows one run at a time, in priority order, each after the slot freed.
    const store = await JobEventStore.open(nc);
    const seqOf = async (jobId: string, type: string) => {
      const entry = (await store.read(jobId)).find((e) => e.event.type === type);
      assert.ok(entry, `${jobId} has ${type}`);
      return entry.seq;
    };
    const order = [
      await seqOf('slow', 'JobCancelled'),
      await seqOf('job-c', 'RunStarted'),
      await seqOf('job-c', 'RunCompleted'),
      await seqOf('job-d', 'RunStarted'),
      await seqOf('job-d', 'RunCompleted'),
      await seqOf('job-b', 'RunStarted'),
    ];
    assert.deepEqual([...order].sort((a, b) => a - b), order, `events in order: ${order.join(', ')}`);

    // history_limit=2: of slow (cancelled), C, D and B only the newest two finished jobs remain.
    await waitFor('older finished jobs removed', async () => ((await get('slow')).status === 404 && (await get('job-c')).status === 404 ? true : undefined), 120_000);
    const d = await get('job-d');
    assert.equal(d.body.status, 'completed');
    assert.ok(Date.parse(d.body.started_at) <= Date.parse(last.started_at), 'D started before B');
    const listed = await rest(port(), 'GET', '/admin/batch/jobs');
    assert.deepEqual(listed.body.jobs.map((j: { job_id: string }) => j.job_id).sort(), ['job-b', 'job-d']);
    const secrets = await nc.jetstream().views.kv(KV.secrets);
    const secretOf = async (jobId: string) => (await secrets.get(jobToken(jobId)))?.operation;
    for (const jobId of ['slow', 'job-c']) assert.notEqual(await secretOf(jobId), 'PUT', `${jobId}: data key destroyed`);
    for (const jobId of ['job-b', 'job-d']) assert.equal(await secretOf(jobId), 'PUT', `${jobId}: data key kept`);
  });

  it('after a restart, releases slots of runs that ended or jobs that are gone while no scheduler ran, and admits the queue', async () => {
    await createBucket(testS3Client(env.s3[1]!.endpoint), 'dst-q');
    await create('holder', 'dst-slow', { destination_endpoint: proxy.endpoint });
    assert.equal((await start('holder')).body.status, 'running');
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/holder/pause')).body.status, 'paused');
    await create('waiter', 'dst-q');
    assert.equal((await start('waiter')).body.queue_position, 1);
    await ferry.stop();

    // While Ferry is down the paused run is cancelled in the log, and the slot entry is left as a crashed scheduler
    // might leave it: the cancelled run and a job that no longer exists both still hold a slot.
    const store = await JobEventStore.open(nc);
    await store.execute('holder', { type: 'CancelJob', data: { job_id: 'holder' }, metadata: { now: new Date().toISOString() } });
    const slots = await nc.jetstream().views.kv(KV.scheduler);
    const now = new Date().toISOString();
    await slots.put('slots', JSON.stringify({ holders: [{ job_id: 'holder', run: 1, since: now }, { job_id: 'ghost', run: 1, since: now }] }));

    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_MAX_CONCURRENT_JOBS: '1', FERRY_HISTORY_LIMIT: '2' },
    });
    const waiter = await waitForJob(port(), 'waiter', 'completed', (body) => body.status === 'completed');
    assert.equal(waiter.progress.completed_objects, 5);
    const holders = JSON.parse((await slots.get('slots'))!.string()).holders as Array<{ job_id: string }>;
    assert.ok(!holders.some((h) => h.job_id === 'ghost' || h.job_id === 'holder'), JSON.stringify(holders));
  });
});
