import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { STREAMS, consumers } from '../../libs/nats/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

const JOB_ID = 'updated-live';

/** UpdateJob on a running job: recorded, followed by every copier, and in force for the rest of the run. */
describe('changing a running job (PATCH /admin/batch/jobs/{job_id})', () => {
  let env: TestEnv;
  let proxy: FaultProxy;
  let control: FerryProcess;
  const copiers: FerryProcess[] = [];
  const processes: FerryProcess[] = [];
  const objects: SeedObject[] = Array.from({ length: 60 }, (_, i) => ({ key: `u/${String(i).padStart(2, '0')}`, body: randomBytes(2000 + i) }));

  before(async () => {
    env = await startTestEnv('update-job', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(testS3Client(env.s3[1]!.endpoint), 'dst');
    await createBucket(testS3Client(env.s3[1]!.endpoint), 'timetabled');
    await putObjects(source, 'src', objects);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    const ferryEnv: FerryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') };
    control = await startFerry('control', ferryEnv);
    copiers.push(await startFerry('copier', ferryEnv), await startFerry('copier', ferryEnv));
    processes.push(control, await startFerry('projector', ferryEnv), await startFerry('lister', ferryEnv), ...copiers);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await proxy?.stop();
    await env?.stop();
  });

  it('raises concurrency and lifts the rate limit of a running run across two copiers, and records who did', async (t) => {
    // One copy at a time, each held up 200 ms at the destination: the run is still going when it is changed.
    proxy.setFaults({ latencyMs: 200 });
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: JOB_ID,
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      concurrency: 1,
      rate_limit_bytes_per_sec: 1_000_000,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${JOB_ID}/start`)).status, 200);
    await waitForJob(control.httpPort!, JOB_ID, 'copying', (job) => job.progress.completed_objects >= 2);
    assert.equal(proxy.maxPutsInFlight(), 1, 'concurrency 1 before the change');

    const updated = await rest(control.httpPort!, 'PATCH', `/admin/batch/jobs/${JOB_ID}`, { concurrency: 6, rate_limit_bytes_per_sec: 0, priority: 7 });
    const answeredAt = Date.now();
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.concurrency, 6);
    assert.equal(updated.body.priority, 7);
    assert.equal(updated.body.rate_limit_bytes_per_sec, undefined, 'a rate of 0 removes the limit');

    const nc = await connect({ servers: env.nats.url });
    try {
      const info = await (await nc.jetstreamManager()).consumers.info(STREAMS.work, consumers.work(JOB_ID, 1));
      assert.equal(info.config.max_ack_pending, 6, 'the run consumer caps copies at the new concurrency by the time the PATCH answers (control and copiers both set it)');
    } finally {
      await nc.close();
    }
    for (const [i, copier] of copiers.entries()) {
      const followed = await waitFor('each copier to follow the change', async () =>
        copier.logs.find((l) => l.msg === 'copier follows changed run settings' && l.job_id === JOB_ID && l.concurrency === 6 && l.priority === 7 && l.rate_limit_bytes_per_sec === 0),
      );
      // How soon (a figure for the README, not a target: timing belongs in benchmarks).
      t.diagnostic(`copier ${i + 1} followed the change ${new Date(followed.time as string | number).getTime() - answeredAt} ms after the PATCH was answered`);
    }
    const job = await waitForJob(control.httpPort!, JOB_ID, 'completed', (j) => {
      if (j.status === 'failed') throw new Error(JSON.stringify(j));
      return j.status === 'completed';
    });
    proxy.setFaults({ latencyMs: 0 });
    assert.equal(job.progress.completed_objects, objects.length);
    assert.ok(proxy.maxPutsInFlight() > 1, `copies ran concurrently after the change (at most ${proxy.maxPutsInFlight()} at once)`);
    assert.ok(proxy.maxPutsInFlight() <= 6, `never more than the new concurrency (${proxy.maxPutsInFlight()})`);

    const history = await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${JOB_ID}/history`);
    const change = (history.body.events as Array<{ type: string; actor: string; details_json: string }>).find((e) => e.type === 'JobUpdated');
    assert.ok(change, 'the change is in the history');
    assert.equal(change.actor, 'admin');
    assert.deepEqual(JSON.parse(change.details_json), { changes: { concurrency: 6, rate_limit_bytes_per_sec: 0, priority: 7 } });
  });

  it('switches the rate at a rate_limit_schedule window in every copier, and refuses a fixed rate for such a job', async () => {
    // A window that lifts the limit a few seconds from now (UTC); until then the window 12 hours off holds 1,000 B/s.
    const lift = new Date(Math.ceil((Date.now() + 5_000) / 1000) * 1000);
    const slow = new Date(lift.getTime() + 12 * 3600 * 1000);
    const at = (d: Date) => d.toISOString().slice(11, 19);
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: 'timetabled',
      source_bucket: 'src',
      destination_bucket: 'timetabled',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      rate_limit_schedule: { timezone: 'UTC', windows: [{ at: at(lift), rate_limit_bytes_per_sec: 0 }, { at: at(slow), rate_limit_bytes_per_sec: 1000 }] },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.rate_limit_schedule.windows.length, 2);
    const fixed = await rest(control.httpPort!, 'PATCH', '/admin/batch/jobs/timetabled', { rate_limit_bytes_per_sec: 5 });
    assert.equal(fixed.status, 400);
    assert.equal(fixed.body.error.details[0].field, 'rate_limit_bytes_per_sec');

    assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs/timetabled/start')).status, 200);
    for (const copier of copiers) {
      const began = await waitFor('each copier to begin the window that lifts the limit', async () =>
        copier.logs.find((l) => l.msg === 'rate limit window began' && l.job_id === 'timetabled' && l.rate_limit_bytes_per_sec === 0),
      );
      const switched = new Date(began.time as string | number);
      assert.ok(switched.getTime() >= lift.getTime(), `switched at ${switched.toISOString()}, not before ${lift.toISOString()}`);
    }
    const job = await waitForJob(control.httpPort!, 'timetabled', 'completed', (j) => {
      if (j.status === 'failed') throw new Error(JSON.stringify(j));
      return j.status === 'completed';
    });
    assert.equal(job.progress.completed_objects, objects.length);
    const doneAt = Date.parse(job.completed_at);
    // 120 KB at 1,000 B/s would take about a minute: the run ended under the lifted limit.
    assert.ok(doneAt >= lift.getTime(), 'completed after the window began');
  });

  it('refuses an update that changes nothing or is out of bounds, naming the field, and an unknown job', async () => {
    const empty = await rest(control.httpPort!, 'PATCH', `/admin/batch/jobs/${JOB_ID}`, {});
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /name at least one of rate_limit_bytes_per_sec, concurrency, priority/);
    const bad = await rest(control.httpPort!, 'PATCH', `/admin/batch/jobs/${JOB_ID}`, { concurrency: 0 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].field, 'concurrency');
    assert.equal((await rest(control.httpPort!, 'PATCH', '/admin/batch/jobs/no-such-job', { priority: 1 })).status, 404);
  });
});
