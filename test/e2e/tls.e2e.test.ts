import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, readObject, testS3Client } from '../harness/s3TestClient.js';
import { makeTestCertificates, type TestCertificates } from '../harness/testCertificates.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { startTlsFront, type TlsFront } from '../harness/tlsFront.js';

const OBJECTS = Array.from({ length: 40 }, (_, i) => ({ key: `data/${String(i).padStart(3, '0')}.bin`, body: Buffer.alloc(1000 + i, i) }));
const KEYS = OBJECTS.map((o) => o.key);

describe('HTTPS endpoints with a private CA: per job, per source and AWS_CA_BUNDLE; insecure_skip_verify recorded as a warning', () => {
  let env: TestEnv;
  /** Certificates of two unrelated CAs: the destination's front uses the first, the source's the second. */
  let destinationCa: TestCertificates;
  let sourceCa: TestCertificates;
  let destinationFront: TlsFront;
  let sourceFront: TlsFront;
  /** Source over plain HTTP; no CA configured. */
  let plain: FerryProcess;
  /** Source over HTTPS trusted through FERRY_SOURCE_CA_BUNDLE; destinations through AWS_CA_BUNDLE. A deployment of its own (its own NATS), so no process of `plain` takes its work. */
  let configured: FerryProcess;
  let configuredNats: RunningNatsServer;
  const source = () => testS3Client(env.s3[0]!.endpoint);
  const destination = () => testS3Client(env.s3[1]!.endpoint);

  before(async () => {
    env = await startTestEnv('tls', 2);
    [destinationCa, sourceCa] = await Promise.all([makeTestCertificates(join(env.dir, 'ca-1'), 'Destination CA'), makeTestCertificates(join(env.dir, 'ca-2'), 'Source CA')]);
    [destinationFront, sourceFront] = await Promise.all([startTlsFront(env.s3[1]!.endpoint, destinationCa), startTlsFront(env.s3[0]!.endpoint, sourceCa)]);
    await createBucket(source(), 'src');
    await putObjects(source(), 'src', OBJECTS);
    for (const bucket of ['with-ca', 'without-ca', 'unchecked', 'from-config']) await createBucket(destination(), bucket);
    configuredNats = await startNatsServer({ storeDir: join(env.dir, 'nats-configured') });
    [plain, configured] = await Promise.all([
      startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry-plain') }),
      startFerry('all', {
        natsUrl: configuredNats.url,
        sourceEndpoint: sourceFront.endpoint,
        dataDir: join(env.dir, 'ferry-configured'),
        extraEnv: { FERRY_SOURCE_CA_BUNDLE: sourceCa.caFile, AWS_CA_BUNDLE: destinationCa.caFile },
      }),
    ]);
  });

  after(async () => {
    await plain?.stop();
    await configured?.stop();
    await configuredNats?.stop();
    await destinationFront?.close();
    await sourceFront?.close();
    await env?.stop();
  });

  const httpsDestination = (bucket: string, extra: Record<string, unknown> = {}) => ({
    source_bucket: 'src',
    destination_bucket: bucket,
    destination_endpoint: destinationFront.endpoint,
    destination_access_key: 'S3RVER',
    destination_secret_key: 'S3RVER',
    ...extra,
  });

  async function runToCompletion(ferry: FerryProcess, jobId: string, spec: Record<string, unknown>): Promise<any> {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { job_id: jobId, ...spec });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const started = await rest(ferry.httpPort!, 'POST', `/admin/batch/jobs/${jobId}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    return waitForJob(ferry.httpPort!, jobId, 'completed', (view) => {
      if (view.status === 'failed' || view.status === 'cancelled') throw new Error(`job ${view.status}: ${JSON.stringify(view)}`);
      return view.status === 'completed';
    });
  }

  async function eventsOf(ferry: FerryProcess, jobId: string, type: string): Promise<any[]> {
    const history = await rest(ferry.httpPort!, 'GET', `/admin/batch/jobs/${jobId}/history`);
    assert.equal(history.status, 200, JSON.stringify(history.body));
    return (history.body.events as Array<{ type: string; details_json: string }>).filter((e) => e.type === type).map((e) => JSON.parse(e.details_json));
  }

  it("copies to an https destination checked against the job's destination_ca_bundle", async () => {
    const job = await runToCompletion(plain, 'with-ca', httpsDestination('with-ca', { destination_ca_bundle: destinationCa.caPem }));
    assert.equal(job.progress.completed_objects, OBJECTS.length);
    assert.deepEqual(await listKeys(destination(), 'with-ca'), KEYS);
    assert.equal((await readObject(destination(), 'with-ca', KEYS[7]!)).md5, createHash('md5').update(OBJECTS[7]!.body).digest('hex'));
    assert.equal(job.destination_ca_bundle, destinationCa.caPem, 'GetJob shows the bundle (certificates are public)');
    assert.deepEqual(await eventsOf(plain, 'with-ca', 'TlsVerificationDisabled'), []);
  });

  it('refuses the start, naming the certificate error, when the destination CA is not trusted', async () => {
    const created = await rest(plain.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'without-ca', ...httpsDestination('without-ca') });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const started = await rest(plain.httpPort!, 'POST', '/admin/batch/jobs/without-ca/start');
    assert.equal(started.status, 409, JSON.stringify(started.body));
    assert.match(started.body.error.message, /destination bucket without-ca at https:\/\/127\.0\.0\.1:\d+ cannot be reached \(tls\): CertificateRejected: .*UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    assert.equal(started.body.error.details[0].field, 'destination_bucket');
    assert.equal((await rest(plain.httpPort!, 'GET', '/admin/batch/jobs/without-ca')).body.status, 'pending');
    assert.deepEqual(await listKeys(destination(), 'without-ca'), []);
  });

  it('copies with destination_insecure_skip_verify, and the job records TlsVerificationDisabled at create', async () => {
    const job = await runToCompletion(plain, 'unchecked', httpsDestination('unchecked', { destination_insecure_skip_verify: true }));
    assert.equal(job.progress.completed_objects, OBJECTS.length);
    assert.equal(job.destination_insecure_skip_verify, true);
    assert.deepEqual(await listKeys(destination(), 'unchecked'), KEYS);
    const warnings = await eventsOf(plain, 'unchecked', 'TlsVerificationDisabled');
    assert.deepEqual(warnings.map(({ at: _at, ...w }) => w), [{ side: 'destination', endpoint: destinationFront.endpoint }]);
  });

  it('reads an https source trusted through ferry.source.ca_bundle and writes to a destination trusted through AWS_CA_BUNDLE', async () => {
    const job = await runToCompletion(configured, 'from-config', httpsDestination('from-config'));
    assert.equal(job.progress.completed_objects, OBJECTS.length);
    assert.deepEqual(await listKeys(destination(), 'from-config'), KEYS);
    assert.equal(job.destination_ca_bundle, undefined);
  });

  it('refuses CA settings that cannot apply, naming the field, and writes nothing', async () => {
    const refusals: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ destination_ca_bundle: 'not a certificate' }, 'destination_ca_bundle', /holds no PEM certificate/],
      [{ destination_ca_bundle: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }, 'destination_ca_bundle', /certificate 1 of 1 cannot be read/],
      [{ destination_endpoint: env.s3[1]!.endpoint, destination_ca_bundle: destinationCa.caPem }, 'destination_ca_bundle', /https destination_endpoint/],
      [{ destination_ca_bundle: destinationCa.caPem, destination_insecure_skip_verify: true }, 'destination_insecure_skip_verify', /give one or the other/],
    ];
    for (const [extra, field, reason] of refusals) {
      const res = await rest(plain.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'refused', ...httpsDestination('with-ca', extra) });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.details[0].field, field);
      assert.match(res.body.error.message, reason);
    }
    assert.equal((await rest(plain.httpPort!, 'GET', '/admin/batch/jobs/refused')).status, 404);
  });
});
