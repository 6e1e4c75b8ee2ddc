import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import type { ObjectOutcome } from '../../libs/domain/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { JobEventStore, connectNats, ensureTopology } from '../../libs/nats/index.js';
import { MIN_PART_SIZE, closeSdkClients, type S3Endpoint } from '../../libs/s3/index.js';
import { writeRunReport } from '../../services/lister/completionReport.js';
import { readReport } from '../harness/reportFiles.js';
import { seedRun } from '../harness/outcomeSeed.js';
import { createBucket, listKeys, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const OUTCOMES = 40_000;
/** ~170-byte rows: the first succeeded file passes one 5 MiB part (a real multipart upload) before it is cut at 5.5 MiB. */
const keyOf = (i: number) => `deep/${'x'.repeat(120)}/object,${String(i).padStart(6, '0')} "${i % 3}".bin`;
const outcomeOf = (i: number): ObjectOutcome =>
  i % 7 === 3
    ? { ordinal: i, key: keyOf(i), size: i, result: 'failed', attempts: 1, error: `AccessDenied: no, "${i}"`, error_code: 'AccessDenied', http_status: 403, duration_ms: 1 }
    : { ordinal: i, key: keyOf(i), size: i, result: 'copied', attempts: 1, duration_ms: 1 };

/** The report writer against a real nats-server and s3rver: every outcome once, files split and checked, a rewrite after an interruption. */
describe('completion report writer', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let store: JobEventStore;
  let endpoint: S3Endpoint;

  before(async () => {
    env = await startTestEnv('completion-report-int');
    nc = await connectNats(env.nats.url, 'report-int', createLogger('warn'));
    await ensureTopology(nc, { replicas: 1 });
    store = await JobEventStore.open(nc);
    endpoint = { endpoint: env.s3[0]!.endpoint, region: 'us-east-1', accessKey: 'S3RVER', secretKey: 'S3RVER' };
    await createBucket(testS3Client(endpoint.endpoint), 'reports');
    await seedRun(nc, {
      jobId: 'big',
      outcomes: OUTCOMES,
      perBatch: 500,
      outcome: outcomeOf,
      extra: [
        // A redelivered copy of ordinal 3 that succeeded the second time: the first outcome counts, as in the projector.
        { after: 10_000, event: { type: 'ObjectsProcessed', data: { job_id: 'big', run: 1, at: new Date().toISOString(), outcomes: [{ ...outcomeOf(3), result: 'copied' }] } } },
        // A late batch of an earlier run inside the span: not this run's.
        { after: 20_000, event: { type: 'ObjectsProcessed', data: { job_id: 'big', run: 0, at: new Date().toISOString(), outcomes: [{ ...outcomeOf(1), key: 'not/this/run' }] } } },
      ],
    });
  });

  after(async () => {
    closeSdkClients();
    await nc?.close();
    await env?.stop();
  });

  const options = (signal?: AbortSignal) => ({ nc, endpoint, sourceBucket: 'src', destinationBucket: 'dst', partSize: MIN_PART_SIZE, maxFileBytes: 5.5 * 1024 * 1024, signal });

  it('writes one row per ordinal, the first outcome of each, in files cut at maxFileBytes whose sizes and MD5s the manifest names', async () => {
    const report = await writeRunReport(options(), 'big', 1, { bucket: 'reports', prefix: 'int', scope: 'all' }, await store.read('big'));
    assert.ok(report);
    assert.equal(report.location, 's3://reports/int/job-big/run-1/manifest.json');
    assert.equal(report.runStatus, 'failed');
    const { manifest, rows } = await readReport(testS3Client(endpoint.endpoint), report.location);
    assert.equal(rows.length, OUTCOMES);
    assert.equal(manifest.Rows, OUTCOMES);
    const succeeded = manifest.Results.filter((f) => f.TaskExecutionStatus === 'succeeded');
    assert.ok(succeeded.length >= 2, `the succeeded rows are cut into files: ${JSON.stringify(manifest.Results)}`);
    assert.ok(succeeded[0]!.Size > MIN_PART_SIZE, 'the first file went up in parts');
    const byKey = new Map(rows.map((r) => [r.key, r]));
    for (let i = 0; i < OUTCOMES; i++) {
      const row = byKey.get(keyOf(i));
      assert.ok(row, keyOf(i));
      if (i % 7 === 3) assert.deepEqual([row.status, row.http_status, row.error_code, row.message], ['failed', '403', 'AccessDenied', `AccessDenied: no, "${i}"`]);
      else assert.deepEqual([row.status, row.http_status], ['copied', '200']);
    }
    assert.equal(byKey.has('not/this/run'), false);
  });

  it('writes the whole report again after an interrupted writer, over the same keys', async () => {
    const spec = { bucket: 'reports', prefix: 'again', scope: 'failed' as const };
    const stop = new AbortController();
    const events = await store.read('big');
    const interrupted = writeRunReport(options(stop.signal), 'big', 1, { ...spec, scope: 'all' }, events);
    setImmediate(() => stop.abort());
    await assert.rejects(interrupted);
    assert.deepEqual(await listKeys(testS3Client(endpoint.endpoint), 'reports', 'again/job-big/run-1/manifest.json'), [], 'no manifest from the interrupted writer');
    const report = await writeRunReport(options(), 'big', 1, spec, events);
    assert.ok(report);
    const { rows } = await readReport(testS3Client(endpoint.endpoint), report.location);
    assert.equal(rows.length, Math.floor((OUTCOMES - 4) / 7) + 1);
    assert.ok(rows.every((r) => r.status === 'failed'));
  });
});
