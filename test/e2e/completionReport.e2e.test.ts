import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPORT_FORMAT, REPORT_SCHEMA } from '../../libs/domain/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { readReport } from '../harness/reportFiles.js';
import { createBucket, listKeys, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

/** Keys a CSV or a URL could get wrong; s3rver stores each of them (no key with a newline: its file store refuses it). */
const TRICKY = ['with space.txt', 'comma,and "quotes"', 'plus+percent%25', 'ünïcødé/日本.bin', 'deep/er/key'];

/** A webhook receiver on loopback keeping every body it was sent. */
async function startReceiver(): Promise<{ server: Server; url: string; bodies: Array<Record<string, unknown>> }> {
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

/**
 * A job's `report`: when a run ends, CSV files of its outcomes and a manifest.json naming them (size, MD5)
 * are written, streamed as multipart uploads; GetJob and the completed / failed webhook carry the manifest's
 * location, and a report that cannot be written leaves the run's end as it was, with the reason.
 */
describe('completion reports', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let proxy: FaultProxy;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const objects: SeedObject[] = [...TRICKY, ...Array.from({ length: 25 }, (_, i) => `n/${String(i).padStart(2, '0')}`)].map((key, i) => ({ key, body: Buffer.alloc(100 + i, i) }));
  const corrupted = new Set(objects.filter((_, i) => i % 4 === 1).map((o) => o.key));

  before(async () => {
    env = await startTestEnv('completion-report', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    const destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(source, 'src-reports');
    await createBucket(destination, 'dst');
    await createBucket(destination, 'reports');
    await putObjects(source, 'src', objects);
    // Corrupted bodies on the way to the destination: checksum mismatches, final at once (max_retries 0).
    proxy = await startFaultProxy(env.s3[1]!.endpoint, { corruptBodies: true, corruptObjectsOnly: true, corruptKeys: (key) => corrupted.has(key) });
    receiver = await startReceiver();
    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', FERRY_WEBHOOK_RETRY_DELAY: '200ms' },
    });
  });

  after(async () => {
    receiver?.server.close();
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  const job = (job_id: string, report: Record<string, unknown>) => ({
    job_id,
    source_bucket: 'src',
    destination_bucket: 'dst',
    destination_endpoint: proxy.endpoint,
    destination_access_key: 'S3RVER',
    destination_secret_key: 'S3RVER',
    max_retries: 0,
    concurrency: 4,
    notification_webhook: receiver.url,
    report,
  });

  async function runToReport(jobId: string): Promise<any> {
    assert.equal((await rest(ferry.httpPort!, 'POST', `/admin/batch/jobs/${jobId}/start`)).status, 200);
    return waitForJob(ferry.httpPort!, jobId, 'report recorded', (j) => j.runs?.[0]?.report_location !== undefined || j.runs?.[0]?.report_error !== undefined);
  }

  it('writes every outcome of a run with failures (scope all, destination endpoint): rows match the outcomes, location in GetJob and the webhook', async () => {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', job('all-rows', { bucket: 'reports', prefix: 'ferry/reports' }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body.report, { bucket: 'reports', prefix: 'ferry/reports', scope: 'all', endpoint: 'destination' });
    const view = await runToReport('all-rows');
    assert.equal(view.status, 'failed');
    const location = 's3://reports/ferry/reports/job-all-rows/run-1/manifest.json';
    assert.equal(view.runs[0].report_location, location, JSON.stringify(view.runs[0]));
    assert.equal(view.report_location, location);
    assert.equal(view.progress.failed_objects, corrupted.size);

    const { manifest, rows } = await readReport(testS3Client(env.s3[1]!.endpoint), location);
    assert.equal(manifest.Format, REPORT_FORMAT);
    assert.equal(manifest.ReportSchema, REPORT_SCHEMA);
    assert.equal(manifest.RunStatus, 'failed');
    assert.deepEqual(manifest.Results.map((f) => [f.TaskExecutionStatus, f.Key]), [
      ['succeeded', 'ferry/reports/job-all-rows/run-1/results/succeeded-00001.csv'],
      ['failed', 'ferry/reports/job-all-rows/run-1/results/failed-00001.csv'],
    ]);
    assert.equal(rows.length, objects.length, 'one row per object');
    assert.deepEqual(rows.map((r) => r.key).sort(), objects.map((o) => o.key).sort());
    for (const row of rows) {
      assert.equal(row.bucket, 'src');
      assert.equal(row.version_id, '');
      if (corrupted.has(row.key)) {
        assert.deepEqual([row.status, row.http_status, row.error_code, row.message, row.file.endsWith('failed-00001.csv')], ['failed', '', 'ChecksumMismatch', 'checksum mismatch', true], row.key);
      } else {
        assert.deepEqual([row.status, row.http_status, row.error_code, row.message], ['copied', '200', '', ''], row.key);
      }
    }

    // The failed webhook went out once, after the report, carrying its location.
    const hooks = receiver.bodies.filter((b) => b.job_id === 'all-rows' && b.event === 'failed');
    assert.equal(hooks.length, 1, JSON.stringify(receiver.bodies));
    assert.equal(hooks[0]!.report_location, location);
    assert.equal((hooks[0]!.progress as { failed_objects: number }).failed_objects, corrupted.size);

    // The report was written from the run's outcome batches before they were compacted.
    const compacted = await waitForJob(ferry.httpPort!, 'all-rows', 'compacted', (j) => j.runs?.[0]?.outcomes_compacted === true);
    assert.equal(compacted.runs[0].report_location, location);
    const failed = await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/all-rows/failed');
    assert.equal(failed.body.failed_objects.length, corrupted.size);
  });

  it('writes only the failures with scope failed, through the source endpoint when asked', async () => {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', job('failed-only', { bucket: 'src-reports', scope: 'failed', endpoint: 'source' }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const view = await runToReport('failed-only');
    const location = 's3://src-reports/job-failed-only/run-1/manifest.json';
    assert.equal(view.runs[0].report_location, location, JSON.stringify(view.runs[0]));
    const { manifest, rows } = await readReport(testS3Client(env.s3[0]!.endpoint), location);
    assert.equal(manifest.Scope, 'failed');
    assert.deepEqual(manifest.Results.map((f) => f.TaskExecutionStatus), ['failed']);
    assert.deepEqual(rows.map((r) => r.key).sort(), [...corrupted].sort());
    assert.ok(rows.every((r) => r.status === 'failed'));
    assert.deepEqual(await listKeys(testS3Client(env.s3[1]!.endpoint), 'reports', 'job-failed-only'), [], 'nothing at the destination');
  });

  it('keeps the run ended as it was when the report cannot be written, and says why in GetJob and the webhook', async () => {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', job('no-bucket', { bucket: 'missing-bucket' }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const view = await runToReport('no-bucket');
    assert.equal(view.status, 'failed');
    assert.equal(view.error, `${corrupted.size} objects failed`);
    assert.equal(view.runs[0].report_location, undefined);
    assert.match(view.runs[0].report_error, /^completion report not written: HTTP 404 NoSuchBucket/);
    const hooks = receiver.bodies.filter((b) => b.job_id === 'no-bucket' && b.event === 'failed');
    assert.equal(hooks.length, 1);
    assert.match(String(hooks[0]!.report_error), /NoSuchBucket/);
    // Its outcome detail is compacted all the same.
    await waitForJob(ferry.httpPort!, 'no-bucket', 'compacted', (j) => j.runs?.[0]?.outcomes_compacted === true);
  });

  it('shows in a dry run where the first run would write its report', async () => {
    const dry = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...job('dry', { bucket: 'reports', prefix: 'r/' }), dry_run: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.report_location, 's3://reports/r/job-dry/run-1/manifest.json');
  });
});
