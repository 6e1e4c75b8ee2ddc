import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { scrapeMetrics, seriesWith } from '../harness/metricsText.js';
import { rest, viewOnceCompacted, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

const OBJECTS = 50;

async function waitForStatus(port: number, jobId: string, status: string) {
  return waitForJob(port, jobId, status, (body) => body.status === status);
}

describe('metrics, history and as-of (ferry --target all)', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let s3: S3Client;
  let proxy: FaultProxy;

  before(async () => {
    env = await startTestEnv('metrics');
    s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    // One destination per test: objects already in a destination are skipped, not copied.
    for (const bucket of ['dst', 'errors-dst', 'paused-dst']) await createBucket(s3, bucket);
    await putObjects(s3, 'src', Array.from({ length: OBJECTS }, (_, i) => ({ key: `k/${i}`, body: Buffer.alloc(100 + i, i) })));
    proxy = await startFaultProxy(env.s3[0]!.endpoint);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  it('exports job gauges equal to the job progress, copier metrics, and drops a deleted job\'s series', async () => {
    const port = ferry.httpPort!;
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'metrics.job', source_bucket: 'src', destination_bucket: 'dst' })).status, 200);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/metrics.job/start')).status, 200);
    const done = await waitForStatus(port, 'metrics.job', 'completed');
    assert.equal(done.progress.completed_objects, OBJECTS);

    const label = 'job_id="metrics.job"';
    const metrics = await waitFor('gauges caught up', async () => {
      const m = await scrapeMetrics(port);
      return m.get(`nebulaio_batch_jobs_total{status="completed"}`) === 1 ? m : undefined;
    }, 120_000);
    assert.equal(metrics.get(`nebulaio_batch_job_objects_total{${label}}`), Number(done.progress.total_objects));
    assert.equal(metrics.get(`nebulaio_batch_job_objects_completed{${label}}`), Number(done.progress.completed_objects));
    assert.equal(metrics.get(`nebulaio_batch_job_bytes_total{${label}}`), Number(done.progress.total_bytes));
    assert.equal(metrics.get(`nebulaio_batch_job_bytes_completed{${label}}`), Number(done.progress.completed_bytes));
    assert.equal(metrics.get(`nebulaio_batch_replication_rate_bytes{${label}}`), Number(done.progress.current_rate_bytes_sec));
    assert.equal(metrics.get(`nebulaio_batch_jobs_total{status="running"}`), 0);
    assert.equal(metrics.get('ferry_copy_duration_seconds_count'), OBJECTS);
    assert.equal(metrics.get('ferry_copies_in_flight'), 0);
    assert.deepEqual(seriesWith(metrics, 'ferry_work_items_pending', label), [], 'a finished run has no consumer lag');

    for (const id of ['metrics.job']) assert.equal((await rest(port, 'DELETE', `/admin/batch/jobs/${id}`)).status, 200);
    const after = await waitFor('series gone', async () => {
      const m = await scrapeMetrics(port);
      return seriesWith(m, 'nebulaio_batch_job_objects_total', label).length === 0 ? m : undefined;
    }, 120_000);
    for (const name of ['nebulaio_batch_job_objects_completed', 'nebulaio_batch_job_bytes_total', 'nebulaio_batch_job_bytes_completed', 'nebulaio_batch_replication_rate_bytes']) {
      assert.deepEqual(seriesWith(after, name, 'job_id='), [], name);
    }
    assert.equal(after.get(`nebulaio_batch_jobs_total{status="completed"}`), 0);
  });

  it('counts failed copies in nebulaio_batch_job_errors_total by error type and drops the series when the job is deleted', async () => {
    const port = ferry.httpPort!;
    // The destination (behind a proxy) refuses every write: each copy fails with AccessDenied.
    proxy.setFaults({ denyWrites: true });
    const job = {
      job_id: 'errors.job',
      source_bucket: 'src',
      destination_bucket: 'errors-dst',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      max_retries: 0,
    };
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs', job)).status, 200);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/errors.job/start')).status, 200);
    const label = 'job_id="errors.job"';
    const errors = await waitFor('errors counted', async () => {
      const series = seriesWith(await scrapeMetrics(port), 'nebulaio_batch_job_errors_total', label);
      return series.length > 0 ? series : undefined;
    }, 120_000);
    assert.ok(errors.some(([key, n]) => key.includes('error_type="AccessDenied"') && n > 0), JSON.stringify(errors));
    await waitForJob(port, 'errors.job', 'run ended', (body) => body.status === 'failed');

    proxy.setFaults({ denyWrites: false });
    assert.equal((await rest(port, 'DELETE', '/admin/batch/jobs/errors.job')).status, 200);
    await waitFor('error series gone', async () => {
      const m = await scrapeMetrics(port);
      return seriesWith(m, 'nebulaio_batch_job_errors_total', label).length === 0 && seriesWith(m, 'ferry_copy_retries_total', label).length === 0 ? m : undefined;
    }, 120_000);
  });

  it('lets a paused job\'s rate fall to 0 and its ETA disappear, in the view and the gauge', async () => {
    const port = ferry.httpPort!;
    // Throttled so the run is still copying when it is paused.
    const job = { job_id: 'paused.job', source_bucket: 'src', destination_bucket: 'paused-dst', rate_limit_bytes_per_sec: 1000, concurrency: 1 };
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs', job)).status, 200);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/paused.job/start')).status, 200);
    await waitForJob(port, 'paused.job', 'moving with an ETA', (body) => body.status === 'running' && Number(body.progress.current_rate_bytes_sec) > 0 && Boolean(body.progress.estimated_completion));
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/paused.job/pause')).status, 200);

    const idle = await waitForJob(port, 'paused.job', 'rate decayed', (body) => Number(body.progress.current_rate_bytes_sec) === 0);
    assert.equal(idle.status, 'paused');
    assert.ok(!idle.progress.estimated_completion, `no ETA while the rate is 0: ${JSON.stringify(idle.progress)}`);
    assert.ok(Number(idle.progress.completed_objects) < OBJECTS, 'the run was paused before it finished');
    await waitFor('rate gauge at 0', async () => {
      const m = await scrapeMetrics(port);
      return m.get('nebulaio_batch_replication_rate_bytes{job_id="paused.job"}') === 0 ? m : undefined;
    }, 120_000);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/paused.job/cancel')).status, 200);
  });

  it('answers the job history, paginated, and the job as of a sequence or a time, never with the secret', async () => {
    const port = ferry.httpPort!;
    const job = {
      job_id: 'hist-job',
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: env.s3[0]!.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    };
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs', job)).status, 200);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/hist-job/start')).status, 200);
    const done = await waitForStatus(port, 'hist-job', 'completed');

    const full = await rest(port, 'GET', '/admin/batch/jobs/hist-job/history');
    assert.equal(full.status, 200, JSON.stringify(full.body));
    const types = full.body.events.map((e: { type: string }) => e.type);
    assert.equal(types[0], 'JobCreated');
    assert.equal(types[1], 'RunStarted');
    assert.deepEqual(types.slice(-2), ['ListingCompleted', 'RunCompleted']);
    assert.equal(full.body.next_page_token, '');
    const created = JSON.parse(full.body.events[0].details_json);
    assert.equal(created.definition.destination_secret_key, '********');
    assert.ok(!JSON.stringify(full.body).includes('sealed'), 'no sealed secret in history');
    assert.deepEqual(full.body.events.slice(1).map((e: { run: number }) => Number(e.run)), types.slice(1).map(() => 1));
    for (const e of full.body.events) assert.match(e.time, /Z$/);

    const paged: unknown[] = [];
    let token = '';
    do {
      const page = await rest(port, 'GET', `/admin/batch/jobs/hist-job/history?page_size=2${token ? `&page_token=${token}` : ''}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.events.length <= 2);
      paged.push(...page.body.events);
      token = page.body.next_page_token;
    } while (token);
    assert.deepEqual(paged, full.body.events);
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/hist-job/history?page_token=bogus')).status, 400);
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/nope/history')).status, 404);

    const seqOf = (type: string) => full.body.events.find((e: { type: string }) => e.type === type).seq;
    const atStart = await rest(port, 'GET', `/admin/batch/jobs/hist-job/as-of?as_of=${seqOf('RunStarted')}`);
    assert.equal(atStart.status, 200, JSON.stringify(atStart.body));
    assert.equal(atStart.body.status, 'running');
    assert.equal(Number(atStart.body.progress.completed_objects), 0);
    assert.equal(atStart.body.destination_secret_key, '********');
    const atCreation = await rest(port, 'GET', `/admin/batch/jobs/hist-job/as-of?as_of=${encodeURIComponent(done.created_at)}`);
    assert.equal(atCreation.body.status, 'pending');
    // Compaction appends the run's last event, on the job's summary subject, after the run ended: compare once it has.
    const settled = await viewOnceCompacted(port, 'hist-job');
    const atEnd = await rest(port, 'GET', `/admin/batch/jobs/hist-job/as-of?as_of=${seqOf('RunCompleted')}`);
    assert.equal(atEnd.body.status, 'completed');
    assert.deepEqual(atEnd.body.progress, done.progress, 'folding the log up to RunCompleted gives the final counts');
    const now = await rest(port, 'GET', `/admin/batch/jobs/hist-job/as-of?as_of=${encodeURIComponent(new Date().toISOString())}`);
    assert.deepEqual(now.body, settled, 'folding the whole log gives the read model entry');
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/hist-job/as-of?as_of=yesterday')).status, 400);
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/hist-job/as-of?as_of=1999-01-01T00:00:00Z')).status, 404);
    const onGet = await rest(port, 'GET', `/admin/batch/jobs/hist-job?as_of=${seqOf('RunStarted')}`);
    assert.deepEqual(onGet.body, atStart.body, 'GET /admin/batch/jobs/{id}?as_of= answers the same');
  });
});
