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

  it('raises concurrency and lifts the rate limit of a running run across two copiers, and records who did', async () => {
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
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.concurrency, 6);
    assert.equal(updated.body.priority, 7);
    assert.equal(updated.body.rate_limit_bytes_per_sec, undefined, 'a rate of 0 removes the limit');

    const nc = await connect({ servers: env.nats.url });
    try {
      const info = await (await nc.jetstreamManager()).consumers.info(STREAMS.work, consumers.work(JOB_ID, 1));
      assert.equal(info.config.max_ack_pending, 6, 'the run consumer caps copies at the new concurrency as the PATCH answers');
    } finally {
      await nc.close();
    }
    for (const copier of copiers) {
      await waitFor('each copier to follow the change', async () =>
        copier.logs.find((l) => l.msg === 'copier follows changed run settings' && l.job_id === JOB_ID && l.concurrency === 6 && l.priority === 7 && l.rate_limit_bytes_per_sec === 0),
      );
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
