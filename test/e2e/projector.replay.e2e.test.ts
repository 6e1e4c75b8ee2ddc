import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { connect } from 'nats';
import { STREAMS, subjects } from '../../libs/nats/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor, waitForProgress } from '../harness/waitFor.js';

const JOBS = ['replay.paused', 'replay.failing', 'replay.cancelled'];

describe('projector rebuild from sequence 1 equals the live read model', () => {
  let env: TestEnv;
  let slow: FaultProxy;
  let denying: FaultProxy;
  let ferryEnv: FerryEnv;
  let control: FerryProcess;
  let projector: FerryProcess;
  const others: FerryProcess[] = [];

  before(async () => {
    env = await startTestEnv('projector-replay');
    const s3 = testS3Client(env.s3[0]!.endpoint);
    for (const b of ['src', 'dst-a', 'dst-b', 'dst-c']) await createBucket(s3, b);
    await putObjects(s3, 'src', Array.from({ length: 120 }, (_, i) => ({ key: `k/${String(i).padStart(4, '0')}`, body: Buffer.alloc(200 + i, i) })));
    // Latency keeps the first job running long enough to pause it; refused writes fail every object of another.
    slow = await startFaultProxy(env.s3[0]!.endpoint, { latencyMs: 20 });
    denying = await startFaultProxy(env.s3[0]!.endpoint, { denyWrites: true });
    ferryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') };
    control = await startFerry('control', ferryEnv);
    projector = await startFerry('projector', ferryEnv);
    // One at a time, so a process that did start is stopped even when the next one fails to.
    others.push(await startFerry('lister', ferryEnv));
    others.push(await startFerry('copier', ferryEnv));
  });

  after(async () => {
    for (const p of [...others, projector, control]) await p?.stop();
    await slow?.stop();
    await denying?.stop();
    await env?.stop();
  });

  const get = async (jobId: string) => (await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${jobId}`)).body;
  const until = (jobId: string, what: string, pred: (view: any) => boolean) => waitForJob(control.httpPort!, jobId, what, pred);
  const post = async (path: string, body?: unknown) => {
    const res = await rest(control.httpPort!, 'POST', path, body);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const cross = (proxy: FaultProxy) => ({ destination_endpoint: proxy.endpoint, destination_access_key: 'S3RVER', destination_secret_key: 'S3RVER' });

  async function snapshotOfViews() {
    const views: Record<string, unknown> = {};
    for (const id of JOBS) views[id] = await get(id);
    const list = await rest(control.httpPort!, 'GET', '/admin/batch/jobs?page_size=100');
    assert.equal(list.status, 200);
    const histories: Record<string, unknown> = {};
    for (const id of JOBS) histories[id] = (await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${id}/history?page_size=1000`)).body;
    return { views, list: list.body, histories };
  }

  it('replays pauses, failures, a cancel, a delete and a second run into the same views', async () => {
    const port = control.httpPort!;
    await post('/admin/batch/jobs', { job_id: 'replay.paused', source_bucket: 'src', destination_bucket: 'dst-a', concurrency: 2, ...cross(slow) });
    await post('/admin/batch/jobs/replay.paused/start');
    await post('/admin/batch/jobs/replay.paused/pause');
    const paused = await until('replay.paused', 'paused', (v) => v.status === 'paused');
    assert.ok(paused.paused_at);
    await post('/admin/batch/jobs/replay.paused/resume');
    await until('replay.paused', 'run 1 completed', (v) => v.status === 'completed' && Number(v.run) === 1);
    await post('/admin/batch/jobs/replay.paused/start');
    const second = await until('replay.paused', 'run 2 completed', (v) => v.status === 'completed' && Number(v.run) === 2);
    assert.equal(second.runs.length, 2);
    // The second run copies (or skips) every object again; counts are per run.
    assert.equal(Number(second.progress.total_objects), 120);

    await post('/admin/batch/jobs', { job_id: 'replay.failing', source_bucket: 'src', destination_bucket: 'dst-b', prefix: 'k/00', max_retries: 0, ...cross(denying) });
    await post('/admin/batch/jobs/replay.failing/start');
    const failed = await until('replay.failing', 'failed', (v) => v.status === 'failed');
    // Refused writes may trip the destination breaker before every object was tried.
    const failedCount = Number(failed.progress.failed_objects);
    assert.ok(failedCount > 0 && failedCount <= 100, String(failedCount));
    assert.equal(Number(failed.progress.completed_objects), 0);

    await post('/admin/batch/jobs', { job_id: 'replay.cancelled', source_bucket: 'src', destination_bucket: 'dst-c', concurrency: 1, ...cross(slow) });
    await post('/admin/batch/jobs/replay.cancelled/start');
    await post('/admin/batch/jobs/replay.cancelled/cancel');
    await until('replay.cancelled', 'cancelled', (v) => v.status === 'cancelled');

    await post('/admin/batch/jobs', { job_id: 'replay.deleted', source_bucket: 'src', destination_bucket: 'dst-c' });
    assert.equal((await rest(port, 'DELETE', '/admin/batch/jobs/replay.deleted')).status, 200);
    await waitFor('deleted view gone', async () => ((await rest(port, 'GET', '/admin/batch/jobs/replay.deleted')).status === 404 ? true : undefined), 120_000);

    // Bounded retention: every ended run's outcome batches are replaced by a summary, so the
    // rebuild below folds a log whose per-object detail was trimmed.
    for (const id of JOBS) await until(id, 'outcomes compacted', (v) => v.runs.length > 0 && v.runs.every((r: any) => r.outcomes_compacted === true));
    const nc = await connect({ servers: env.nats.url });
    const jsm = await nc.jetstreamManager();
    const outcomeBatches = async (jobId: string) => {
      const subject = subjects.outcome(jobId);
      const info = await jsm.streams.info(STREAMS.events, { subjects_filter: subject } as never);
      return info.state.subjects?.[subject] ?? 0;
    };
    // A copy in flight when a run ended may publish its batch after the compaction: the projector deletes it once folded.
    const purged = (jobId: string) => async () => ((await outcomeBatches(jobId)) === 0 ? true : undefined);
    await waitFor('the failed run\'s outcome batches purged', purged('replay.failing'), 30_000);
    await waitFor('both runs\' outcome batches purged', purged('replay.paused'), 30_000);
    await nc.close();
    const report = await rest(port, 'GET', '/admin/batch/jobs/replay.failing/failed?page_size=1000');
    assert.equal(report.body.failed_objects.length, failedCount, 'the failed report is answered from the summary');
    assert.ok(report.body.failed_objects.every((o: { error: string }) => /AccessDenied/.test(o.error)), JSON.stringify(report.body.failed_objects[0]));

    const live = await snapshotOfViews();
    await projector.stop();
    assert.deepEqual(await snapshotOfViews(), live, 'views are stable once every job has ended');

    projector = await startFerry('projector', { ...ferryEnv, args: ['--rebuild'] });
    await waitForProgress('rebuild caught up', async () => ({ done: projector.logs.some((l) => l.msg === 'projector caught up') ? true : undefined, progress: projector.logs.length }));
    const starting = projector.logs.find((l) => l.msg === 'projector starting')!;
    assert.equal(starting.from_seq, 1, 'the rebuild folds from sequence 1');
    assert.ok(projector.logs.some((l) => l.msg === 'read model dropped; rebuilding from sequence 1'));

    const rebuilt = await snapshotOfViews();
    for (const id of JOBS) assert.deepEqual(rebuilt.views[id], live.views[id], `${id} view`);
    const ids = (list: any) => list.jobs.map((v: { job_id: string }) => v.job_id);
    assert.deepEqual(ids(rebuilt.list), ids(live.list), 'listed jobs');
    assert.deepEqual(rebuilt.list, live.list, 'job list');
    assert.deepEqual(rebuilt.histories, live.histories, 'replaying appends no event');
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/replay.deleted')).status, 404);

    // retry-failed lists the failures of a compacted run from its summary.
    await post('/admin/batch/jobs/replay.failing/retry-failed');
    const retried = await until('replay.failing', 'run 2 ended', (v) => Number(v.run) === 2 && v.status === 'failed');
    assert.equal(Number(retried.progress.total_objects), failedCount, 'run 2 lists exactly the failures kept in run 1\'s summary');
    assert.equal(Number(retried.progress.completed_objects), 0);
  });
});
