import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';
import { startCredentialServer, type CredentialServer } from '../harness/credentialServer.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { makeTempDir } from '../harness/tempDir.js';

const OBJECTS = 2000;
const SIZE = 4096;
/** About 8 s for the whole job, so it runs through several rotations of the 1 s credentials. */
const RATE = 1024 * 1024;
const WRITER_ROLE = 'arn:aws:iam:::role/ferry-writer';

/**
 * Credentials from the default chain and from an assumed role, rotated every second while jobs run:
 * a local server plays the container-credentials endpoint, EC2 IMDSv2 and STS (answering errors in
 * Ceph RGW's S3-style form), and both synthetic S3 endpoints refuse any request whose access key,
 * session token, expiry or SigV4 signature is not right.
 */
describe('temporary credentials (default chain, roles) rotated under a running job (nats-server + synthetic S3 + ferry --target all)', () => {
  const tmp = makeTempDir('credentials');
  let nats: RunningNatsServer;
  let creds: CredentialServer;
  let source: SyntheticS3;
  let destination: SyntheticS3;
  let ferry: FerryProcess | undefined;

  before(async () => {
    nats = await startNatsServer({ storeDir: join(tmp.path, 'nats') });
    creds = await startCredentialServer({ rotateMs: 1000, lifetimeMs: 4000, assumableRoles: [WRITER_ROLE] });
    source = await startSyntheticS3({ buckets: { src: { count: OBJECTS, size: SIZE } }, authorize: (req) => creds.authorize(req) });
    const empty = { count: 0, size: 0 };
    destination = await startSyntheticS3({ buckets: { 'container-creds': empty, 'role-creds': empty, 'revoked-creds': empty }, recordAccepted: false, authorize: (req) => creds.authorize(req) });
  });

  after(async () => {
    await ferry?.stop();
    await source?.stop();
    await destination?.stop();
    await creds?.stop();
    await nats?.stop();
    tmp.remove();
  });

  /** Ferry with no static source keys, so the source (and a destination without keys) uses the default chain. */
  async function startChainFerry(name: string, chainEnv: Record<string, string>): Promise<FerryProcess> {
    await ferry?.stop();
    ferry = await startFerry('all', {
      natsUrl: nats.url,
      sourceEndpoint: source.endpoint,
      dataDir: join(tmp.path, name),
      extraEnv: {
        FERRY_SOURCE_ACCESS_KEY: '',
        FERRY_SOURCE_SECRET_KEY: '',
        AWS_SHARED_CREDENTIALS_FILE: join(tmp.path, 'no-credentials'),
        AWS_CONFIG_FILE: join(tmp.path, 'no-config'),
        ...chainEnv,
      },
    });
    return ferry;
  }

  async function runToCompletion(port: number, jobId: string, spec: Record<string, unknown>): Promise<any> {
    const created = await rest(port, 'POST', '/admin/batch/jobs', { job_id: jobId, source_bucket: 'src', destination_bucket: jobId, destination_endpoint: destination.endpoint, rate_limit_bytes_per_sec: RATE, ...spec });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const started = await rest(port, 'POST', `/admin/batch/jobs/${jobId}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const view = await waitForJob(port, jobId, 'run ended', (view) => ['completed', 'failed'].includes(view.status));
    if (view.status !== 'completed') assert.fail(`${jobId} ${view.status}: ${JSON.stringify((await rest(port, 'GET', `/admin/batch/jobs/${jobId}/errors`)).body).slice(0, 2000)}`);
    return view;
  }

  function assertAllCopied(view: any, jobId: string, keysBefore: Set<string>): void {
    assert.equal(view.status, 'completed', JSON.stringify(view));
    assert.equal(view.progress.completed_objects, OBJECTS);
    assert.equal(view.progress.failed_objects, 0);
    assert.equal(destination.accepted(jobId), OBJECTS);
    const used = [...creds.keysAccepted()].filter((k) => !keysBefore.has(k));
    assert.ok(used.length >= 3, `the job signed with ${used.length} credential sets; it should have run through several rotations`);
    console.log(`${jobId}: ${used.length} credential sets used, refusals ${JSON.stringify(creds.refusals())}`);
  }

  it('copies all 2,000 objects with container credentials rotating every second, none failed', async () => {
    const f = await startChainFerry('ferry-container', { AWS_CONTAINER_CREDENTIALS_FULL_URI: creds.containerUri });
    const before = creds.keysAccepted();
    const view = await runToCompletion(f.httpPort!, 'container-creds', {});
    assertAllCopied(view, 'container-creds', before);
    assert.equal(view.source_credentials, 'default_chain');
    assert.equal(view.destination_credentials, 'default_chain');
  });

  it('copies all 2,000 objects through an assumed role (STS) on top of IMDSv2 credentials, both rotating', async () => {
    const f = await startChainFerry('ferry-imds', { AWS_EC2_METADATA_SERVICE_ENDPOINT: creds.url });
    const before = creds.keysAccepted();
    const view = await runToCompletion(f.httpPort!, 'role-creds', { destination_role_arn: WRITER_ROLE, sts_endpoint: creds.url, session_name: 'ferry-e2e' });
    assertAllCopied(view, 'role-creds', before);
    assert.equal(view.source_credentials, 'default_chain');
    assert.equal(view.destination_credentials, `role ${WRITER_ROLE}`);
    const history = await rest(f.httpPort!, 'GET', '/admin/batch/jobs/role-creds/history');
    const createdEvent = JSON.stringify(history.body);
    assert.match(createdEvent, /destination_credentials.{0,6}role arn:aws:iam:::role\/ferry-writer/);
    assert.doesNotMatch(f.output(), /ASIA[0-9A-F]{16}/, 'no issued access key appears in the logs');
  });

  it('retries requests refused for credentials revoked at each rotation with fresh ones: all copied, none failed', async () => {
    const f = ferry ?? (await startChainFerry('ferry-imds', { AWS_EC2_METADATA_SERVICE_ENDPOINT: creds.url }));
    const before = creds.keysAccepted();
    const refusedBefore = creds.refusals().ExpiredToken ?? 0;
    creds.revokeOnRotation(true);
    try {
      const view = await runToCompletion(f.httpPort!, 'revoked-creds', {});
      assertAllCopied(view, 'revoked-creds', before);
    } finally {
      creds.revokeOnRotation(false);
    }
    assert.ok((creds.refusals().ExpiredToken ?? 0) > refusedBefore, 'some requests crossed a rotation and were refused');
  });

  it('refuses to start a job whose role may not be assumed, with a 403 naming the role', async () => {
    const f = ferry!;
    const forbidden = 'arn:aws:iam:::role/not-for-ferry';
    const created = await rest(f.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'forbidden-role', source_bucket: 'src', destination_bucket: 'forbidden', destination_endpoint: destination.endpoint, source_role_arn: forbidden, sts_endpoint: creds.url });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const started = await rest(f.httpPort!, 'POST', '/admin/batch/jobs/forbidden-role/start');
    assert.equal(started.status, 403, JSON.stringify(started.body));
    assert.match(JSON.stringify(started.body), /source_role_arn/);
    assert.match(JSON.stringify(started.body), /not-for-ferry/);
    assert.match(JSON.stringify(started.body), /AccessDenied/);
    const { body } = await rest(f.httpPort!, 'GET', '/admin/batch/jobs/forbidden-role');
    assert.equal(body.status, 'pending');
  });
});
