import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { KV } from '../../libs/nats/index.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

/** ListJobs' success paths against a real control: empty lists, paging with page_token, the status filter. */
describe('listing jobs over REST', () => {
  let env: TestEnv;
  let control: FerryProcess;
  let projector: FerryProcess;

  before(async () => {
    env = await startTestEnv('list-jobs', 1);
    projector = await startFerry('projector', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
    control = await startFerry('control', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await control?.stop();
    await projector?.stop();
    await env?.stop();
  });

  it('answers {"jobs": []} with no jobs, and "failed_objects": [] for a job with none', async () => {
    const empty = await rest(control.httpPort!, 'GET', '/admin/batch/jobs');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body.jobs, []);
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'lone', source_bucket: 'src', destination_bucket: 'dst' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const failed = await rest(control.httpPort!, 'GET', '/admin/batch/jobs/lone/failed');
    assert.equal(failed.status, 200, JSON.stringify(failed.body));
    assert.deepEqual(failed.body.failed_objects, []);
  });

  it('pages through more jobs than a page with page_token, and filters by status', async () => {
    const ids = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
    for (const job_id of ids) {
      const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { job_id, source_bucket: 'src', destination_bucket: 'dst' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
    }
    const cancelled = await rest(control.httpPort!, 'POST', '/admin/batch/jobs/page-c/cancel');
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const all = ['lone', ...ids].sort();
    // The list is answered from the read model; the projector folds in log order, so once the cancel shows, every create does.
    await waitFor('every job in the read model', async () => {
      const res = await rest(control.httpPort!, 'GET', '/admin/batch/jobs?status=cancelled');
      return res.body.jobs?.length === 1 ? true : undefined;
    }, 120_000);

    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await rest(control.httpPort!, 'GET', `/admin/batch/jobs?page_size=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.jobs.length <= 2);
      seen.push(...res.body.jobs.map((j: { job_id: string }) => j.job_id));
      token = res.body.next_page_token;
      pages++;
    } while (token && pages < 10);
    assert.deepEqual(seen, all);
    assert.equal(pages, Math.ceil(all.length / 2));

    const byStatus = await rest(control.httpPort!, 'GET', '/admin/batch/jobs?status=cancelled');
    assert.deepEqual(byStatus.body.jobs.map((j: { job_id: string; status: string }) => [j.job_id, j.status]), [['page-c', 'cancelled']]);
    const pending = await rest(control.httpPort!, 'GET', '/admin/batch/jobs?status=pending&page_size=100');
    assert.deepEqual(pending.body.jobs.map((j: { job_id: string }) => j.job_id), all.filter((id) => id !== 'page-c'));
    assert.deepEqual((await rest(control.httpPort!, 'GET', '/admin/batch/jobs?status=running')).body.jobs, []);
  });

  it('answers GetJob and ListJobs from its copy of the read model, without reading the bucket per request', async () => {
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'quiet', source_bucket: 'src', destination_bucket: 'dst' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await waitFor('the job in the listing', async () => ((await rest(control.httpPort!, 'GET', '/admin/batch/jobs')).body.jobs?.some((j: { job_id: string }) => j.job_id === 'quiet') ? true : undefined));

    // Every JetStream API request that reads the ferry_jobs bucket (direct and leader gets, stream info), made on any connection.
    const nc = await connect({ servers: env.nats.url });
    const stream = `KV_${KV.jobs}`;
    const reads = [`$JS.API.DIRECT.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}.>`, `$JS.API.STREAM.MSG.GET.${stream}`, `$JS.API.STREAM.INFO.${stream}`].map((subject) => nc.subscribe(subject));
    await nc.flush();
    try {
      for (let i = 0; i < 10; i++) assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/quiet')).status, 200);
      assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs')).status, 200);
      await nc.flush();
      assert.equal(reads.reduce((n, sub) => n + sub.getReceived(), 0), 0, 'no read of the bucket');
    } finally {
      await nc.close();
    }
  });
});
