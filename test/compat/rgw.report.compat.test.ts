import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MIN_PART_SIZE, ObjectWriter, closeSdkClients } from '../../libs/s3/index.js';
import { readReport } from '../harness/reportFiles.js';
import { createBucket, putObjects, readObject, type SeedObject } from '../harness/s3TestClient.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { AWKWARD_KEYS, MiB, startCompatEnv, type CompatEnv } from './compatEnv.js';

/** A completion report written to Ceph RGW: its multipart path (RGW answers CompleteMultipartUpload with an empty ETag) and a run's report read back. */
describe('completion reports (Ceph RGW)', () => {
  let env: CompatEnv;
  const objects: SeedObject[] = [...AWKWARD_KEYS, ...Array.from({ length: 20 }, (_, i) => `r/${i}`)].map((key, i) => ({ key, body: Buffer.alloc(10 + i, i) }));

  before(async () => {
    env = await startCompatEnv('report');
    for (const bucket of ['report-src', 'report-dst', 'reports']) await createBucket(env.rgw, bucket);
    await putObjects(env.rgw, 'report-src', objects);
  });
  after(async () => {
    closeSdkClients();
    await env?.stop();
  });

  it('streams an object of several parts whose size and MD5 are what was written', async () => {
    const endpoint = { endpoint: env.ceph.endpoint, region: 'us-east-1', accessKey: env.ceph.user.accessKey, secretKey: env.ceph.user.secretKey };
    const writer = new ObjectWriter(endpoint, 'reports', 'parts/report.csv', { partSize: MIN_PART_SIZE });
    const row = `${'y'.repeat(1023)}\n`;
    const hash = createHash('md5');
    for (let i = 0; i < 12 * 1024; i++) {
      await writer.write(row);
      hash.update(row);
    }
    const { size, md5 } = await writer.close();
    assert.equal(size, 12 * MiB);
    assert.equal(md5, hash.digest('hex'));
    const stored = await readObject(env.rgw, 'reports', 'parts/report.csv');
    assert.deepEqual([stored.size, stored.md5], [size, md5]);
  });

  it('writes a run\'s report, one row per object with its key URL-encoded, and shows its location', async () => {
    const port = env.fromRgw.httpPort!;
    const created = await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'rgw-report', source_bucket: 'report-src', destination_bucket: 'report-dst', report: { bucket: 'reports', prefix: 'ferry' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/rgw-report/start')).status, 200);
    const view = await waitForJob(port, 'rgw-report', 'report written', (j) => j.runs?.[0]?.report_location !== undefined || j.runs?.[0]?.report_error !== undefined);
    assert.equal(view.status, 'completed');
    assert.equal(view.runs[0].report_location, 's3://reports/ferry/job-rgw-report/run-1/manifest.json', JSON.stringify(view.runs[0]));
    const { manifest, rows } = await readReport(env.rgw, view.runs[0].report_location);
    assert.equal(manifest.RunStatus, 'completed');
    assert.deepEqual(rows.map((r) => r.key).sort(), objects.map((o) => o.key).sort());
    assert.ok(rows.every((r) => r.status === 'copied' && r.http_status === '200' && r.bucket === 'report-src'));
  });
});
