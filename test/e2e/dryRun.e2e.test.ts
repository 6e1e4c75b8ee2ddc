import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { startFerry, TEST_TOKEN, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const CLI_SCRIPT = fileURLToPath(new URL('../../services/cli/main.js', import.meta.url));

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_SCRIPT, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Dry runs over REST and through the CLI: what a job would copy, with nothing created or copied. */
describe('dry run of a job', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let source: S3Client;
  let destination: S3Client;
  const keys = Array.from({ length: 25 }, (_, i) => `data/file-${String(i).padStart(2, '0')}.bin`);
  const size = (i: number) => 100 + i;
  const totalBytes = keys.reduce((sum, _k, i) => sum + size(i), 0);
  let spec: Record<string, unknown>;

  before(async () => {
    env = await startTestEnv('dry-run', 2);
    source = testS3Client(env.s3[0]!.endpoint);
    destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(destination, 'dst');
    await putObjects(source, 'src', keys.map((key, i) => ({ key, body: Buffer.alloc(size(i), i) })));
    await putObjects(source, 'src', [{ key: 'other/outside-prefix.bin', body: Buffer.from('not selected') }]);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
    spec = {
      job_id: 'dry',
      source_bucket: 'src',
      destination_bucket: 'dst',
      prefix: 'data/',
      destination_endpoint: env.s3[1]!.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    };
    writeFileSync(join(env.dir, 'job.json'), JSON.stringify(spec));
  });

  after(async () => {
    await ferry?.stop();
    await env?.stop();
  });

  const cli = (args: string[]) => runCli(args, { FERRY_SERVER: `127.0.0.1:${ferry.grpcPort}`, FERRY_ADMIN_TOKEN: TEST_TOKEN });

  it('lists what the job would copy over REST, creating and copying nothing', async () => {
    const res = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...spec, dry_run: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      job_id: 'dry',
      dry_run: true,
      object_count: 25,
      total_bytes: totalBytes,
      first_keys: keys.slice(0, 20),
      // Repeated fields are always in a REST answer, empty here.
      notify_on: [],
      runs: [],
      bucket_regions: [],
      tags: {},
      identical_at_destination: 0,
      identical_keys: [],
    });
    assert.equal((await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/dry')).status, 404);
    assert.deepEqual(await listKeys(destination, 'dst'), []);
    const all = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...spec, dry_run: true, dry_run_key_limit: 1000 });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual(all.body.first_keys, keys, 'a limit above the count names every key');
  });

  it('validates like a create: a bad field is a 400 naming it, a missing bucket a failed precondition', async () => {
    const bad = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...spec, concurrency: 0, dry_run: true });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /concurrency/);
    const missing = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...spec, source_bucket: 'no-such-bucket', dry_run: true });
    assert.equal(missing.status, 409, JSON.stringify(missing.body));
    assert.equal(missing.body.error.code, 'FAILED_PRECONDITION');
    assert.match(missing.body.error.message, /source bucket no-such-bucket/);
    const overLimit = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...spec, dry_run: true, dry_run_key_limit: 1001 });
    assert.equal(overLimit.status, 400, JSON.stringify(overLimit.body));
    assert.match(JSON.stringify(overLimit.body), /dry_run_key_limit/);
    const limitWithoutDryRun = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { ...spec, dry_run_key_limit: 5 });
    assert.equal(limitWithoutDryRun.status, 400, JSON.stringify(limitWithoutDryRun.body));
    assert.match(JSON.stringify(limitWithoutDryRun.body), /dry_run_key_limit/);
    assert.equal((await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/dry')).status, 404);
  });

  it('through the CLI, counts what is already identical after a real run', async () => {
    const table = await cli(['jobs', 'create', '--dry-run', '-f', join(env.dir, 'job.json')]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /nothing created, nothing copied/);
    assert.match(table.stdout, /objects: 25 .*0 already identical/);
    assert.match(table.stdout, /^ {2}data\/file-00\.bin$/m);
    assert.equal((await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/dry')).status, 404);

    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', spec);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/dry/start')).status, 200);
    await waitForJob(ferry.httpPort!, 'dry', 'the real run to complete', (view) => view.status === 'completed');

    // One object changes at the source and two appear: 3 of 27 are not identical at the destination.
    await putObjects(source, 'src', [
      { key: keys[3]!, body: Buffer.alloc(size(3), 0xff) },
      { key: 'data/new-a.bin', body: Buffer.from('a') },
      { key: 'data/new-b.bin', body: Buffer.from('bb') },
    ]);
    const json = await cli(['-o', 'json', 'jobs', 'create', '--dry-run', '-f', join(env.dir, 'job.json')]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.object_count, 27);
    assert.equal(report.total_bytes, totalBytes + 3);
    assert.equal(report.identical_at_destination, 24);
    assert.equal(report.first_keys.length, 20);
    assert.equal(report.first_keys[0], 'data/file-00.bin');
    assert.deepEqual(report.identical_keys, report.first_keys.filter((k: string) => k !== keys[3]), 'identical_keys: the listed keys a run would skip');
    // The dry run copied nothing: the new objects are still missing at the destination.
    assert.equal((await listKeys(destination, 'dst')).length, 25);
  });
});

describe('dry run without the source endpoint in control', () => {
  let env: TestEnv;
  let control: FerryProcess;

  before(async () => {
    env = await startTestEnv('dry-run-no-source');
    control = await startFerry('control', { natsUrl: env.nats.url, sourceEndpoint: '', dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await control?.stop();
    await env?.stop();
  });

  it('answers a failed precondition naming FERRY_SOURCE_ENDPOINT', async () => {
    const res = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'x', source_bucket: 'src', destination_bucket: 'dst', dry_run: true });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'FAILED_PRECONDITION');
    assert.match(res.body.error.message, /FERRY_SOURCE_ENDPOINT/);
  });
});
