import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { readReport } from '../harness/reportFiles.js';
import { createBucket, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const OBJECTS = 100;

/** max_failure_percent: a run whose objects fail too often stops early, leaving the rest untried. */
describe('failure threshold', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let proxy: FaultProxy;
  const objects: SeedObject[] = Array.from({ length: OBJECTS }, (_, i) => ({ key: `t/${String(i).padStart(3, '0')}`, body: randomBytes(1000 + i) }));

  before(async () => {
    env = await startTestEnv('failure-threshold', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(testS3Client(env.s3[1]!.endpoint), 'dst');
    await createBucket(testS3Client(env.s3[1]!.endpoint), 'reports');
    await putObjects(source, 'src', objects);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  it('stops the run as failed once more than max_failure_percent of the objects tried failed, naming why, and writes its report', async () => {
    // Every other key's bytes are corrupted on the way (a checksum mismatch, not retried); each PUT takes 100 ms.
    const corrupted = new Set(objects.filter((_, i) => i % 2 === 1).map((o) => o.key));
    proxy.setFaults({ corruptBodies: true, corruptObjectsOnly: true, corruptKeys: (key) => corrupted.has(key), latencyMs: 100 });
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: 'threshold',
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      // One copy at a time: s3rver 3.7.1 may fail a PUT racing the DELETE of a corrupted neighbour.
      concurrency: 1,
      max_retries: 0,
      max_failure_percent: 25,
      min_objects_before_threshold: 10,
      report: { bucket: 'reports' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.max_failure_percent, 25);
    assert.equal((await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/threshold/start')).status, 200);
    const job = await waitForJob(ferry.httpPort!, 'threshold', 'stopped', (j) => j.status === 'failed' || j.status === 'completed');
    proxy.setFaults({ corruptBodies: false, latencyMs: 0 });
    assert.equal(job.status, 'failed', JSON.stringify(job));
    assert.match(job.error, /^failure threshold exceeded: \d+ of \d+ objects tried failed \(\d+%, more than max_failure_percent 25%\)/);
    const { completed_objects: completed, failed_objects: failed } = job.progress;
    assert.ok(completed + failed >= 10, 'judged only after 10 objects were tried');
    assert.ok(completed + failed < OBJECTS / 2, `stopped early: ${completed + failed} of ${OBJECTS} tried`);
    assert.ok(failed * 100 > 25 * (completed + failed));

    // The report of the stopped run: one row per object tried, none for the objects never attempted.
    const reported = await waitForJob(ferry.httpPort!, 'threshold', 'report written', (j) => j.runs?.[0]?.report_location !== undefined);
    const { manifest, rows } = await readReport(testS3Client(env.s3[1]!.endpoint), reported.runs[0].report_location);
    assert.equal(manifest.RunStatus, 'failed');
    assert.equal(rows.length, completed + failed);
    assert.equal(rows.filter((r) => r.status === 'failed').length, failed);
    assert.ok(rows.every((r) => (r.status === 'failed') === corrupted.has(r.key)), 'the failed rows are the corrupted keys');
  });

  it('refuses a threshold out of range, and min_objects_before_threshold without one, naming the field', async () => {
    const base = { job_id: 'bad-threshold', source_bucket: 'src', destination_bucket: 'dst' };
    const over = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...base, max_failure_percent: 101 });
    assert.equal(over.status, 400);
    assert.equal(over.body.error.details[0].field, 'max_failure_percent');
    const alone = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...base, min_objects_before_threshold: 5 });
    assert.equal(alone.status, 400);
    assert.equal(alone.body.error.details[0].field, 'min_objects_before_threshold');
  });
});
