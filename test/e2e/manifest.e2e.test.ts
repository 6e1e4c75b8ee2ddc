import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Endpoint } from '../../libs/s3/index.js';
import { manifestRows } from '../../libs/selection/manifest/manifestRows.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { endpointAt } from '../harness/s3Fixture.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const body = (text: string) => Buffer.from(text);

/** A job whose objects come from a manifest instead of a listing of the source: issue 20 item 3. */
describe('manifests', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let s3: S3Client;
  const put = (bucket: string, key: string, content: Buffer) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content, ContentLength: content.length }));
  const finished = (jobId: string) => waitForJob(ferry.httpPort!, jobId, 'ended', (j) => j.status === 'completed' || j.status === 'failed');
  const createAndStart = async (spec: Record<string, unknown>) => {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', spec);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(ferry.httpPort!, 'POST', `/admin/batch/jobs/${String(spec.job_id)}/start`)).status, 200);
    return finished(String(spec.job_id));
  };
  const failedOf = async (jobId: string) => (await rest(ferry.httpPort!, 'GET', `/admin/batch/jobs/${jobId}/failed`)).body.failed_objects as Array<{ key: string; error: string }>;

  before(async () => {
    env = await startTestEnv('manifest');
    s3 = testS3Client(env.s3[0]!.endpoint);
    for (const bucket of ['src', 'lists', 'dst-csv', 'dst-strict', 'dst-inventory', 'dst-badsum']) await createBucket(s3, bucket);
    await putObjects(s3, 'src', [
      { key: 'm/a.txt', body: body('a') },
      { key: 'm/with space.txt', body: body('space') },
      { key: 'm/€uro.txt', body: body('euro') },
      { key: 'm/big.bin', body: Buffer.alloc(5000) },
      { key: 'm/not-in-manifest.txt', body: body('n') },
      { key: 'other/x.txt', body: body('x') },
    ]);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await env?.stop();
  });

  const csv = [
    'src,m/a.txt',
    '"src","m/with+space.txt"',
    'src,m/%E2%82%ACuro.txt',
    'src,m/missing.txt',
    'elsewhere,m/a.txt',
    'src,other/x.txt',
    'src,m/big.bin',
  ].join('\n');

  it('copies the rows of a CSV manifest that pass the filters: missing objects skipped, rows of another bucket failed', async () => {
    await put('lists', 'run.csv', body(csv + '\n'));
    const spec = { job_id: 'manifest-csv', source_bucket: 'src', destination_bucket: 'dst-csv', prefix: 'm/', max_size: 1000, manifest: { bucket: 'lists', key: 'run.csv' } };

    const preview = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...spec, dry_run: true });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(preview.body.first_keys, ['m/a.txt', 'm/with space.txt', 'm/€uro.txt', 'm/missing.txt', 'm/a.txt']);

    const job = await createAndStart(spec);
    assert.deepEqual(job.manifest, { bucket: 'lists', key: 'run.csv', format: 'csv', endpoint: 'source' });
    assert.equal(job.progress.total_objects, 5, JSON.stringify(job.progress));
    assert.equal(job.progress.completed_objects, 3);
    assert.equal(job.progress.skipped_objects, 1, 'm/missing.txt is not at the source');
    assert.equal(job.progress.failed_objects, 1, 'the row naming bucket elsewhere');
    assert.deepEqual(await listKeys(s3, 'dst-csv'), ['m/a.txt', 'm/with space.txt', 'm/€uro.txt']);
    const failed = await failedOf('manifest-csv');
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.error, /manifest row 5 names bucket elsewhere; this job copies from src/);
  });

  it('counts an object the source lacks as failed with NoSuchKey when manifest_strict', async () => {
    await put('lists', 'strict.csv', body('src,m/a.txt\r\nsrc,m/missing.txt\r\n'));
    const job = await createAndStart({ job_id: 'manifest-strict', source_bucket: 'src', destination_bucket: 'dst-strict', manifest: { bucket: 'lists', key: 'strict.csv' }, manifest_strict: true });
    assert.equal(job.progress.completed_objects, 1);
    assert.equal(job.progress.failed_objects, 1);
    const failed = await failedOf('manifest-strict');
    assert.equal(failed[0]!.key, 'm/missing.txt');
    assert.match(failed[0]!.error, /^NoSuchKey/);
  });

  it('reads an S3 Inventory report: its gzipped CSV files, leaving out delete markers and versions that are not the latest', async () => {
    const rows = ['"src","m/a.txt","","true","false"', '"src","m/gone.txt","3","true","true"', '"src","m/with+space.txt","1","false","false"', '"src","m/%E2%82%ACuro.txt","","true","false"'];
    const data = gzipSync(rows.join('\n') + '\n');
    await put('lists', 'inv/data/1.csv.gz', data);
    const manifest = {
      sourceBucket: 'src',
      destinationBucket: 'arn:aws:s3:::lists',
      version: '2016-11-30',
      fileFormat: 'CSV',
      fileSchema: 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker',
      files: [{ key: 'inv/data/1.csv.gz', size: data.length, MD5checksum: createHash('md5').update(data).digest('hex') }],
    };
    await put('lists', 'inv/manifest.json', body(JSON.stringify(manifest)));
    const job = await createAndStart({ job_id: 'manifest-inventory', source_bucket: 'src', destination_bucket: 'dst-inventory', manifest: { bucket: 'lists', key: 'inv/manifest.json', format: 's3-inventory' } });
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.progress.total_objects, 2);
    assert.deepEqual(await listKeys(s3, 'dst-inventory'), ['m/a.txt', 'm/€uro.txt']);

    // A data file whose bytes differ from its manifest's MD5 fails the run, naming the file.
    await put('lists', 'bad/manifest.json', body(JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], MD5checksum: '0'.repeat(32) }] })));
    const bad = await createAndStart({ job_id: 'manifest-badsum', source_bucket: 'src', destination_bucket: 'dst-badsum', manifest: { bucket: 'lists', key: 'bad/manifest.json', format: 's3-inventory' } });
    assert.equal(bad.status, 'failed');
    assert.match(bad.error, /manifest s3:\/\/lists\/inv\/data\/1\.csv\.gz: MD5 differs/);
  });

  it('fails the run naming the manifest when it is not there', async () => {
    const job = await createAndStart({ job_id: 'manifest-missing', source_bucket: 'src', destination_bucket: 'dst-csv', manifest: { bucket: 'lists', key: 'no-such.csv' } });
    assert.equal(job.status, 'failed');
    assert.match(job.error, /manifest s3:\/\/lists\/no-such\.csv cannot be read: NoSuchKey/);
  });

  it('refuses a manifest with a bad field, naming it', async () => {
    const res = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'bad-manifest', source_bucket: 'src', destination_bucket: 'dst-csv', manifest: { bucket: 'lists', key: 'x', format: 'orc' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].field, 'manifest.format');
  });

  it('streams a manifest of 200,000 rows, resuming after the rows a checkpoint recorded', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `src,big/${String(i).padStart(6, '0')}`).join('\n');
    await put('lists', 'big.csv', body(lines));
    const endpoint: S3Endpoint = endpointAt(env.s3[0]!.endpoint, { accessKey: 'S3RVER', secretKey: 'S3RVER' });
    let count = 0;
    let first: number | undefined;
    let last: number | undefined;
    for await (const page of manifestRows({ bucket: 'lists', key: 'big.csv', format: 'csv', endpoint: 'source' }, endpoint, { afterRow: 150_000 })) {
      for (const row of page) {
        count++;
        first ??= row.row;
        last = row.row;
        assert.ok(!('problem' in row));
        assert.equal(row.key, `big/${String(row.row - 1).padStart(6, '0')}`);
      }
    }
    assert.deepEqual({ count, first, last }, { count: 50_000, first: 150_001, last: 200_000 });
  });
});
