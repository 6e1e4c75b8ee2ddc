import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, TEST_SECRET_KEY, TEST_TOKEN, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { verifySigV4 } from '../harness/sigv4Verify.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { runCli } from '../harness/cliProcess.js';

const NEXT_KEY = 'e'.repeat(64);


/**
 * `ferry keys rotate` as an operator runs it, against `ferry --target all` restarted with each configuration
 * of the procedure in deploy/README.md: the old key alone, then both with the new one current, then the new one alone.
 */
describe('ferry keys rotate end to end (nats-server + s3rver + ferry --target all + the CLI)', () => {
  let env: TestEnv;
  /** The destination: s3rver behind a proxy that checks SigV4 signatures (s3rver accepts any), so a copy needs the real secret. */
  let signing: FaultProxy;
  let ferry: FerryProcess | undefined;

  const start = async (keys: Record<string, string>) => {
    await ferry?.stop();
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry'), extraEnv: keys });
  };

  const cli = (args: string[]) => runCli(args, { FERRY_SERVER: `127.0.0.1:${ferry!.grpcPort}`, FERRY_ADMIN_TOKEN: TEST_TOKEN });

  const createJob = async (jobId: string) => {
    const created = await rest(ferry!.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: `dst-${jobId}`,
      destination_endpoint: signing.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  };

  before(async () => {
    env = await startTestEnv('key-rotation');
    const s3 = testS3Client(env.s3[0]!.endpoint);
    for (const bucket of ['src', 'dst-keep-1', 'dst-keep-2', 'dst-doomed']) await createBucket(s3, bucket);
    await putObjects(s3, 'src', [{ key: 'a.txt', body: Buffer.from('a') }, { key: 'b.txt', body: Buffer.from('bb') }]);
    signing = await startFaultProxy(env.s3[0]!.endpoint, {}, {
      authorize: (req) => verifySigV4(req, 's3', (id) => (id === 'S3RVER' ? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } : undefined)),
    });
    // Before: one key, FERRY_SECRET_KEY (the harness sets it), so its id is "default".
    await start({});
    for (const jobId of ['keep-1', 'keep-2', 'doomed']) await createJob(jobId);
    assert.equal((await rest(ferry!.httpPort!, 'DELETE', '/admin/batch/jobs/doomed')).status, 200);
  });

  after(async () => {
    await ferry?.stop();
    await signing?.stop();
    await env?.stop();
  });

  it('re-seals both live jobs under the new key, leaves the deleted one destroyed, and a second run re-seals nothing', async () => {
    await start({ FERRY_SECRET_KEYS: `next:${NEXT_KEY}`, FERRY_SECRET_KEY_CURRENT: 'next' });

    const wrongTarget = await cli(['keys', 'rotate', '--to', 'elsewhere']);
    assert.equal(wrongTarget.code, 1, wrongTarget.stdout);
    assert.match(wrongTarget.stderr, /FAILED_PRECONDITION: this control process seals new data keys under master key "next", not "elsewhere"/);

    const first = await cli(['-o', 'json', 'keys', 'rotate', '--to', 'next']);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.deepEqual(
      { current: report.current_key_id, held: report.key_ids, resealed: report.resealed, already: report.already_current ?? 0, gone: report.gone, failed: report.failed },
      { current: 'next', held: ['default', 'next'], resealed: 2, already: 0, gone: 1, failed: [] },
    );

    const second = await cli(['keys', 'rotate']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^current master key: next \(control holds default, next\)$/m);
    assert.match(second.stdout, /^re-sealed 0, already current 2, gone \(deleted jobs\) 1, failed 0$/m);
    assert.match(second.stdout, /the other master keys may be removed/);
  });

  it('with the old key removed from the configuration, copies with the secrets it sealed', async () => {
    // FERRY_SECRET_KEY empty is unset: the new key alone.
    await start({ FERRY_SECRET_KEY: '', FERRY_SECRET_KEYS: `next:${NEXT_KEY}` });
    const started = await cli(['jobs', 'start', 'keep-1']);
    assert.equal(started.code, 0, started.stderr);
    const watched = await cli(['jobs', 'watch', 'keep-1']);
    assert.equal(watched.code, 0, `${watched.stdout}\n${watched.stderr}`);
    assert.deepEqual(await listKeys(testS3Client(env.s3[0]!.endpoint), 'dst-keep-1'), ['a.txt', 'b.txt']);
    const checked = await cli(['jobs', 'check', 'keep-2']);
    assert.equal(checked.code, 0, `${checked.stdout}\n${checked.stderr}`);
    const again = await cli(['-o', 'json', 'keys', 'rotate']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).key_ids, ['next']);
  });

  it('with only the old key, says which key a secret is sealed under', async () => {
    await start({ FERRY_SECRET_KEY: TEST_SECRET_KEY });
    const checked = await cli(['jobs', 'check', 'keep-2']);
    assert.equal(checked.code, 1, checked.stdout);
    assert.match(`${checked.stdout}${checked.stderr}`, /job keep-2: its data key is sealed under master key "next", which this process is not configured with \(it has "default"\)/);
    const job = await waitForJob(ferry!.httpPort!, 'keep-1', 'still completed', (view) => view.status === 'completed');
    assert.equal(job.status, 'completed');
  });
});
