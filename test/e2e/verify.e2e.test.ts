import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { runCli } from '../harness/cliProcess.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { waitFor } from '../harness/waitFor.js';
import { startFerry, TEST_TOKEN, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const OBJECTS = 20;
const ended = (j: { status: string }) => j.status === 'completed' || j.status === 'failed' || j.status === 'cancelled';

/**
 * Issue 21 item 3: the job's `verify` after each copy, and VerifyJob (a run of kind verify) comparing
 * source and destination without copying, between two s3rver endpoints (streamed copies).
 */
describe('verification', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let source: S3Client;
  let destination: S3Client;
  let proxy: FaultProxy;
  const objects: SeedObject[] = Array.from({ length: OBJECTS }, (_, i) => ({ key: `v/${String(i).padStart(3, '0')}`, body: randomBytes(500 + i) }));
  const destinationSide = () => ({ destination_endpoint: env.s3[1]!.endpoint, destination_access_key: 'S3RVER', destination_secret_key: 'S3RVER' });
  const port = () => ferry.httpPort!;

  before(async () => {
    env = await startTestEnv('verify', 2);
    source = testS3Client(env.s3[0]!.endpoint);
    destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(destination, 'dst');
    await createBucket(destination, 'dst2');
    // v/tiny is left out by the job's min_size: its copy at the destination is neither checked nor extra.
    await putObjects(source, 'src', [...objects, { key: 'v/tiny', body: Buffer.from('x') }]);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  it('copies with verify: etag, then a verify run finds exactly the missing, differing and extra keys', async () => {
    const created = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'checked', source_bucket: 'src', destination_bucket: 'dst', prefix: 'v/', min_size: 2, verify: 'etag', ...destinationSide() });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.verify, 'etag');
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/checked/start')).status, 200);
    const copied = await waitForJob(port(), 'checked', 'copied', ended);
    assert.equal(copied.status, 'completed', JSON.stringify(copied));
    assert.equal(copied.progress.completed_objects, OBJECTS);
    assert.equal(copied.runs[0].kind, 'copy');

    // Damage the destination: one object deleted, one overwritten with other bytes, one added inside the
    // prefix, one outside it, and a copy of the object the job's filter leaves out.
    await destination.send(new DeleteObjectCommand({ Bucket: 'dst', Key: 'v/003' }));
    await putObjects(destination, 'dst', [
      { key: 'v/007', body: randomBytes(507) },
      { key: 'v/zz-extra', body: Buffer.from('not from the source') },
      { key: 'elsewhere/x', body: Buffer.from('outside the prefix') },
      { key: 'v/tiny', body: Buffer.from('y') },
    ]);

    const verify = await rest(port(), 'POST', '/admin/batch/jobs/checked/verify');
    assert.equal(verify.status, 200, JSON.stringify(verify.body));
    assert.equal(verify.body.run, 2);
    const job = await waitForJob(port(), 'checked', 'verified', (j) => j.run === 2 && ended(j));
    assert.equal(job.status, 'failed', JSON.stringify(job));
    assert.equal(job.error, 'verify found differences: 1 missing, 1 differing, 1 extra');
    const run = job.runs.find((r: { run: number }) => r.run === 2);
    assert.equal(run.kind, 'verify');
    const { matched_objects, missing_objects, differing_objects, extra_objects, failed_objects, total_objects, completed_objects } = job.progress;
    assert.deepEqual(
      { matched_objects, missing_objects, differing_objects, extra_objects, failed_objects, total_objects, completed_objects },
      { matched_objects: OBJECTS - 2, missing_objects: 1, differing_objects: 1, extra_objects: 1, failed_objects: 0, total_objects: OBJECTS + 1, completed_objects: 0 },
    );
    assert.equal(run.counts.missing_objects, 1);

    const differences = await rest(port(), 'GET', '/admin/batch/jobs/checked/differences?page_size=2');
    assert.equal(differences.status, 200, JSON.stringify(differences.body));
    assert.equal(differences.body.run, 2);
    assert.equal(differences.body.status, 'failed');
    assert.equal(differences.body.counts.matched_objects, OBJECTS - 2);
    assert.ok(differences.body.next_page_token);
    const rest2 = await rest(port(), 'GET', `/admin/batch/jobs/checked/differences?run=2&page_token=${differences.body.next_page_token}`);
    const found = [...differences.body.differences, ...rest2.body.differences].map((d: { key: string; difference: string; detail: string }) => [d.key, d.difference, d.detail]);
    assert.deepEqual(found.map(([key, difference]) => [key, difference]), [
      ['v/003', 'missing'],
      ['v/007', 'differing'],
      ['v/zz-extra', 'extra'],
    ]);
    assert.match(found[1]![2]!, /^ETag [0-9a-f]{32} at the source, [0-9a-f]{32} at the destination$/);
    // Nothing was copied, and the verify run's findings are no failed objects.
    assert.deepEqual((await rest(port(), 'GET', '/admin/batch/jobs/checked/failed')).body.failed_objects, []);
    // The list outlives the run's outcome batches: once they are compacted, it comes from the run's summary.
    await waitForJob(port(), 'checked', 'verify run compacted', (j) => j.runs.find((r: { run: number }) => r.run === 2)?.outcomes_compacted === true);
    const kept = await rest(port(), 'GET', '/admin/batch/jobs/checked/differences?run=2');
    assert.deepEqual(kept.body.differences.map((d: { key: string }) => d.key), ['v/003', 'v/007', 'v/zz-extra']);

    const history = await rest(port(), 'GET', '/admin/batch/jobs/checked/history?page_size=100');
    const runStarts = history.body.events.filter((e: { type: string }) => e.type === 'RunStarted').map((e: { details_json: string }) => JSON.parse(e.details_json));
    assert.equal(runStarts[1].kind, 'verify');

    // retry-failed does not apply to a verify run's findings: a start copies them.
    const retry = await rest(port(), 'POST', '/admin/batch/jobs/checked/retry-failed');
    assert.equal(retry.status, 409);
    assert.match(retry.body.error.message, /it was a verify run/);
  });

  it('ferry verify prints the counts and each key not matched, exit 1', async () => {
    const result = await runCli(['verify', 'checked'], { FERRY_SERVER: `127.0.0.1:${ferry.grpcPort}`, FERRY_ADMIN_TOKEN: TEST_TOKEN });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^verify run 3 of checked failed: matched 18, missing 1, differing 1, extra 1, failed 0$/m);
    assert.match(result.stdout, /^missing\s+v\/003\s+not at the destination$/m);
    assert.match(result.stdout, /^differing\s+v\/007\s+ETag /m);
    assert.match(result.stdout, /^extra\s+v\/zz-extra\s+at the destination only$/m);
    assert.doesNotMatch(result.stdout, /v\/tiny|elsewhere/);
  });

  it('refuses a verify run while a copy run is active (409), and a verify mode it does not know (400 naming verify)', async () => {
    const created = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'slow', source_bucket: 'src', destination_bucket: 'dst2', rate_limit_bytes_per_sec: 1, ...destinationSide() });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/slow/start')).status, 200);
    const refused = await rest(port(), 'POST', '/admin/batch/jobs/slow/verify');
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /cannot verify a job that is running: wait for run 1 to end or cancel it/);
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/slow/cancel')).status, 200);

    const bad = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'bad-verify', source_bucket: 'src', destination_bucket: 'dst', verify: 'md5' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].field, 'verify');
    assert.match(bad.body.error.message, /verify: must be one of size, etag, checksum/);
    const none = await rest(port(), 'GET', '/admin/batch/jobs/slow/differences');
    assert.equal(none.status, 404);
    assert.match(none.body.error.message, /has no verify run/);
  });

  it('pauses a verify run between HEADs, resumes it from its checkpoint and counts each key once; cancels one', async () => {
    // checksum mode: a HEAD of each side per key, one key at a time, each destination request 400 ms late.
    const created = await rest(port(), 'POST', '/admin/batch/jobs', {
      job_id: 'slow-verify',
      source_bucket: 'src',
      destination_bucket: 'dst',
      prefix: 'v/',
      min_size: 2,
      verify: 'checksum',
      concurrency: 1,
      checkpoint_interval: 2,
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    proxy.setFaults({ latencyMs: 400 });
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/slow-verify/verify')).status, 200);
    const paused = await rest(port(), 'POST', '/admin/batch/jobs/slow-verify/pause');
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.status, 'paused');
    await waitFor('the verify run stops', async () => (ferry.logs.some((l) => l.msg === 'listing stopped' && l.job_id === 'slow-verify') ? true : undefined));
    const stopped = (await rest(port(), 'GET', '/admin/batch/jobs/slow-verify')).body;
    assert.equal(stopped.status, 'paused');
    assert.equal(stopped.progress.listing_complete, false, 'stopped before its last key');
    proxy.setFaults({ latencyMs: 0 });
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/slow-verify/resume')).status, 200);
    const job = await waitForJob(port(), 'slow-verify', 'verified', ended);
    // s3rver keeps no checksums: every key on both sides could not be checked; one is missing, one extra.
    const { matched_objects, missing_objects, differing_objects, extra_objects, failed_objects, total_objects } = job.progress;
    assert.deepEqual(
      { matched_objects, missing_objects, differing_objects, extra_objects, failed_objects, total_objects },
      { matched_objects: 0, missing_objects: 1, differing_objects: 0, extra_objects: 1, failed_objects: OBJECTS - 1, total_objects: OBJECTS + 1 },
    );
    const failed = (await rest(port(), 'GET', '/admin/batch/jobs/slow-verify/failed?page_size=1')).body.failed_objects;
    assert.match(failed[0].error, /^checksums cannot be compared: the source has no x-amz-checksum-\*/);

    proxy.setFaults({ latencyMs: 400 });
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/slow-verify/verify')).status, 200);
    const cancelled = await rest(port(), 'POST', '/admin/batch/jobs/slow-verify/cancel');
    proxy.setFaults({ latencyMs: 0 });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const view = await waitForJob(port(), 'slow-verify', 'cancelled', (j) => j.run === 2 && j.status === 'cancelled');
    assert.equal(view.runs.find((r: { run: number }) => r.run === 2).kind, 'verify');
  });

  it('fails each object whose check cannot be made, with VerificationFailed naming why (s3rver keeps no checksums)', async () => {
    const created = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'sums', source_bucket: 'src', destination_bucket: 'dst2', prefix: 'v/00', verify: 'checksum', max_retries: 0, ...destinationSide() });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/sums/start')).status, 200);
    const job = await waitForJob(port(), 'sums', 'checked', ended);
    assert.equal(job.status, 'failed');
    assert.equal(job.progress.failed_objects, 10);
    assert.equal(job.progress.completed_objects, 0);
    const failed = (await rest(port(), 'GET', '/admin/batch/jobs/sums/failed')).body.failed_objects;
    assert.equal(failed.length, 10);
    assert.match(failed[0].error, /^VerificationFailed: destination object does not match the source: checksums cannot be compared: the source has no x-amz-checksum-\*/);
  });

  it('copies with verify: size (a HEAD of each destination object)', async () => {
    const created = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'sized', source_bucket: 'src', destination_bucket: 'dst2', prefix: 'v/01', verify: 'size', ...destinationSide() });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/sized/start')).status, 200);
    const job = await waitForJob(port(), 'sized', 'copied', ended);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.progress.completed_objects, 10);
  });
});
