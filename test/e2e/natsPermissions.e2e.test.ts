import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, NatsError, connect, type NatsConnection } from 'nats';
import type { S3Client } from '@aws-sdk/client-s3';
import { startS3rver, type RunningS3rver } from '../../libs/embedded/index.js';
import { RemoteJobCommands, STREAMS, consumers, encodeJson, natsConnectionOptions, subjects } from '../../libs/nats/index.js';
import { nodeFlags } from '../../services/nodeFlags.js';
import { MAIN_SCRIPT, TEST_SECRET_KEY, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, viewOnceCompacted, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { FERRY_SERVICES, startSecuredNats, type FerryService, type SecuredNats } from '../harness/securedNats.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';

const OBJECTS = Array.from({ length: 120 }, (_, i) => ({ key: `data/${String(i).padStart(3, '0')}.bin`, body: Buffer.alloc(500 + i * 7, i) }));
const TOTAL_BYTES = OBJECTS.reduce((sum, o) => sum + o.body.length, 0);
const JOB = 'secured.job_1';

/** The server's permission violations: what nats-server logs for every publish or subscription it refuses. */
const violations = (nats: SecuredNats) => nats.log().split('\n').filter((line) => /Violation/i.test(line));

/** Waits for the server's log line refusing the copier's publish to `subject` (written just after it answers the client). */
const loggedViolation = (nats: SecuredNats, subject: string) =>
  waitFor(`nats-server logs the copier's publish to ${subject} as a violation`, async () => violations(nats).find((line) => line.includes(`"${subject}"`) && line.includes('ferry-copier')), 5000);

/** The error nats.js fails a request with when the server refused to let it be published (-ERR Permissions Violation). */
const refusedPublish = (subject: string) => (err: unknown) => {
  assert.ok(err instanceof NatsError, String(err));
  assert.equal(err.code, ErrorCode.PermissionsViolation);
  assert.deepEqual(err.permissionContext, { operation: 'publish', subject, queue: undefined });
  return true;
};

/**
 * Debian's nats-server started from the shipped deploy/nats/ferry-nats.conf (test passwords in its environment),
 * control, projector, lister, copier and notifier as separate processes, each on its own user: a whole job
 * completes with nothing refused, and a copier's credentials can neither append to a job log nor pull from
 * another service's consumer.
 */
describe('NATS with a user per service (deploy/nats/ferry-nats.conf)', () => {
  const tmp = makeTempDir('nats-permissions');
  let nats: SecuredNats;
  let s3: RunningS3rver;
  let client: S3Client;
  let receiver: Server;
  const ferry = new Map<FerryService, FerryProcess>();
  const control = () => ferry.get('control')!;
  const extraConnections: NatsConnection[] = [];
  /** What the server refused while the projector waited for control to create the topology. */
  let atStartup: string[] = [];
  /** What the server refused since. */
  const refusedSince = () => violations(nats).slice(atStartup.length);
  /** Each process's log lines from when every service had started. */
  const started = new Map<FerryService, number>();
  const refusalsLogged = (service: FerryService) => ferry.get(service)!.logs.slice(started.get(service) ?? 0).filter((l) => l.msg === 'nats refused an operation');

  /** A connection with one service's credentials and reply prefix, as that service makes it. */
  async function connectAs(service: FerryService): Promise<NatsConnection> {
    const nc = await connect({
      ...natsConnectionOptions(nats.url, `test-as-${service}`, {
        client: { auth: { kind: 'user', user: `ferry-${service}`, password: nats.passwords[service] } },
        inboxPrefix: `_INBOX.${service}`,
      }),
      maxReconnectAttempts: 0,
      waitOnFirstConnect: false,
    });
    extraConnections.push(nc);
    return nc;
  }

  before(async () => {
    nats = await startSecuredNats(join(tmp.path, 'nats'));
    s3 = await startS3rver({ directory: join(tmp.path, 's3') });
    receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('ok')));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    client = testS3Client(s3.endpoint);
    await createBucket(client, 'src');
    await createBucket(client, 'dst');
    await putObjects(client, 'src', OBJECTS);
    // The projector first: its user may not create the streams and buckets, so it waits until control has.
    const early = startService('projector');
    await waitFor('the projector refused the streams it tried to create', async () => (violations(nats).length > 0 ? true : undefined), 30_000);
    ferry.set('control', await startService('control'));
    ferry.set('projector', await early);
    atStartup = violations(nats);
    for (const service of ['lister', 'copier', 'notifier'] as const) ferry.set(service, await startService(service));
    for (const service of FERRY_SERVICES) started.set(service, ferry.get(service)!.logs.length);
  });

  function startService(service: FerryService): Promise<FerryProcess> {
    return startFerry(service, {
        natsUrl: nats.url,
        sourceEndpoint: s3.endpoint,
        dataDir: join(tmp.path, `ferry-${service}`),
        extraEnv: {
          ...nats.userEnv(service),
          ...(service === 'control' ? {} : { FERRY_METRICS_ADDR: '127.0.0.1:0' }),
          FERRY_WEBHOOK_SECRET: 'secured-webhook-secret',
          FERRY_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
          FERRY_CHECK_ON_START: 'false',
        },
      });
  }

  after(async () => {
    for (const nc of extraConnections) await nc.close().catch(() => undefined);
    for (const service of [...FERRY_SERVICES].reverse()) await ferry.get(service)?.stop();
    receiver?.close();
    await s3?.stop();
    await nats?.stop();
    tmp.remove();
  });

  it('starts the projector before control: it waits, its user refused the streams, until control made them', () => {
    assert.ok(atStartup.length > 0);
    for (const line of atStartup) assert.match(line, /User "ferry-projector", Subject "\$JS\.API\.STREAM\.CREATE\.[A-Za-z_]+"/);
    assert.ok(ferry.get('projector')!.logs.some((l) => l.msg === 'waiting for control to create the NATS streams and buckets'));
  });

  it('runs a whole job to completion with exact counts, every service on its own user and nothing refused', async () => {
    const created = await rest(control().httpPort!, 'POST', '/admin/batch/jobs', { job_id: JOB, source_bucket: 'src', destination_bucket: 'dst', concurrency: 8 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const started = await rest(control().httpPort!, 'POST', `/admin/batch/jobs/${JOB}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const done = await waitForJob(control().httpPort!, JOB, 'job completed', (body) => {
      if (body.status === 'failed') throw new Error(`job failed: ${JSON.stringify(body)}`);
      return body.status === 'completed';
    });
    assert.equal(done.progress.total_objects, OBJECTS.length);
    assert.equal(done.progress.completed_objects, OBJECTS.length);
    assert.equal(done.progress.failed_objects ?? 0, 0);
    assert.equal(done.progress.total_bytes, TOTAL_BYTES);
    assert.equal(done.progress.completed_bytes, TOTAL_BYTES);
    assert.deepEqual(await listKeys(client, 'dst'), OBJECTS.map((o) => o.key));
    // The projector compacts the run's outcomes after it ends: its summary and purge went through too.
    await viewOnceCompacted(control().httpPort!, JOB);
    for (const service of FERRY_SERVICES) {
      assert.deepEqual(refusalsLogged(service), [], `${service} was refused nothing`);
    }
    assert.deepEqual(refusedSince(), [], 'the server refused nothing');
  });

  it('serves the rest of what the services do on their own users: secrets, rate limits, webhooks, pause, update, cancel, delete', async () => {
    const port = control().httpPort!;
    const created = await rest(port, 'POST', '/admin/batch/jobs', {
      job_id: 'secured-more',
      source_bucket: 'src',
      destination_bucket: 'dst-more',
      destination_endpoint: s3.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      rate_limit_bytes_per_sec: 50 * 1024 * 1024,
      notification_webhook: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await createBucket(client, 'dst-more');
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/secured-more/start')).status, 200);
    const done = await waitForJob(port, 'secured-more', 'job completed', (body) => body.status === 'completed' || body.status === 'failed');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.progress.completed_objects, OBJECTS.length);
    // The notifier's records, read back by control.
    await waitFor('the completed notification delivered', async () => {
      const list = await rest(port, 'GET', '/admin/batch/jobs/secured-more/notifications');
      return (list.body.notifications as Array<{ event: string; status: string }> | undefined)?.find((n) => n.event === 'completed' && n.status === 'delivered');
    });

    // Pause, resume, cancel (control removes the run's work), then delete (control destroys its data key; the projector purges).
    // Into the first job's bucket again: the lister finds every object there and records it skipped.
    const skipped = await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'secured-skipped', source_bucket: 'src', destination_bucket: 'dst' });
    assert.equal(skipped.status, 200, JSON.stringify(skipped.body));
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/secured-skipped/start')).status, 200);
    const none = await waitForJob(port, 'secured-skipped', 'job completed', (body) => body.status === 'completed' || body.status === 'failed');
    assert.deepEqual([none.status, none.progress.skipped_objects, none.progress.completed_objects], ['completed', OBJECTS.length, 0]);

    await createBucket(client, 'dst-cancelled');
    const paced = await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'secured-cancelled', source_bucket: 'src', destination_bucket: 'dst-cancelled', rate_limit_bytes_per_sec: 2048, concurrency: 1 });
    assert.equal(paced.status, 200, JSON.stringify(paced.body));
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/secured-cancelled/start')).status, 200);
    await waitForJob(port, 'secured-cancelled', 'some objects copied', (body) => (body.progress?.completed_objects ?? 0) > 0);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/secured-cancelled/pause')).status, 200);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/secured-cancelled/resume')).status, 200);
    // UpdateJob: control changes the run consumer's concurrency, and the copier follows on its own user.
    const updated = await rest(port, 'PATCH', '/admin/batch/jobs/secured-cancelled', { concurrency: 2 });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    await waitFor('the copier to follow the change', async () =>
      ferry.get('copier')!.logs.some((l) => l.msg === 'copier follows changed run settings' && l.job_id === 'secured-cancelled' && l.concurrency === 2) ? true : undefined,
    );
    const cancelled = await rest(port, 'POST', '/admin/batch/jobs/secured-cancelled/cancel');
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/secured-cancelled/failed')).status, 200);
    assert.equal((await rest(port, 'DELETE', '/admin/batch/jobs/secured-cancelled')).status, 200);
    await waitFor('the deleted job gone from the read model', async () => ((await rest(port, 'GET', '/admin/batch/jobs/secured-cancelled')).status === 404 ? true : undefined));

    // The projector saves its snapshot at stop and reads it back at start (its object store).
    const projector = ferry.get('projector')!;
    await projector.stop();
    assert.ok(!projector.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('snapshot at stop failed')), projector.output().slice(-2000));
    ferry.set('projector', await startService('projector'));
    started.set('projector', 0);
    await waitForJob(port, 'secured-more', 'read back after the restart', (body) => body.status === 'completed');
    for (const service of FERRY_SERVICES) {
      assert.deepEqual(refusalsLogged(service), [], `${service} was refused nothing`);
    }
    assert.deepEqual(refusedSince(), [], 'the server refused nothing');
  });

  it("refuses a copier's RunCompleted on a job log, and the job's history stays as it was", async () => {
    const before = await rest(control().httpPort!, 'GET', `/admin/batch/jobs/${JOB}/history?page_size=1000`);
    assert.equal(before.status, 200, JSON.stringify(before.body));
    const nc = await connectAs('copier');
    const forged = { type: 'RunCompleted', data: { job_id: JOB, run: 2, counts: { total_objects: 0, completed_objects: 0, failed_objects: 0, skipped_objects: 0, total_bytes: 0, completed_bytes: 0 }, at: new Date().toISOString() } };
    await assert.rejects(nc.jetstream().publish(subjects.job(JOB), encodeJson(forged), { timeout: 5000 }), refusedPublish(subjects.job(JOB)));
    await loggedViolation(nats, subjects.job(JOB));
    const afterwards = await rest(control().httpPort!, 'GET', `/admin/batch/jobs/${JOB}/history?page_size=1000`);
    assert.deepEqual(afterwards.body, before.body, 'nothing appended');
    assert.equal((await rest(control().httpPort!, 'GET', `/admin/batch/jobs/${JOB}`)).body.status, 'completed');

    // What a copier may have decided goes to control, which takes only its own two commands.
    const commands = new RemoteJobCommands(nc);
    assert.deepEqual(await commands.execute(JOB, { type: 'FailRun', data: { job_id: JOB, run: 1, error: 'late' }, metadata: { now: new Date().toISOString() } }), { events: [] }, 'a finished run is not failed again');
    await assert.rejects(
      nc.request(subjects.workerCommand(JOB), encodeJson({ type: 'CancelJob', data: { job_id: JOB, run: 1 } })).then((m) => {
        const answer = JSON.parse(new TextDecoder().decode(m.data)) as { error?: string };
        if (answer.error) throw new Error(answer.error);
      }),
      /is not a command a copier may ask for/,
    );
    assert.deepEqual((await rest(control().httpPort!, 'GET', `/admin/batch/jobs/${JOB}/history?page_size=1000`)).body, before.body);
  });

  it("refuses a copier's pull from the lister's task consumer, which is left as it was", async () => {
    const lister = await connectAs('lister');
    const jsm = await lister.jetstreamManager();
    // num_waiting is left out: it counts the running lister's own pull requests, which expire and renew.
    // The refused publish below is what shows the copier's pull never reached the consumer.
    const info = async () => {
      const { delivered, ack_floor, num_pending, num_ack_pending } = await jsm.consumers.info(STREAMS.tasks, consumers.lister);
      return { delivered, ack_floor, num_pending, num_ack_pending };
    };
    const before = await info();
    const nc = await connectAs('copier');
    const next = `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.tasks}.${consumers.lister}`;
    await assert.rejects(nc.request(next, encodeJson({ batch: 1, expires: 1_000_000_000 }), { timeout: 5000 }), refusedPublish(next));
    // Nor through the client's consumer API, which first asks for the consumer's info.
    const info$ = `$JS.API.CONSUMER.INFO.${STREAMS.tasks}.${consumers.lister}`;
    await assert.rejects((await nc.jetstreamManager({ timeout: 5000 })).consumers.info(STREAMS.tasks, consumers.lister), refusedPublish(info$));
    await loggedViolation(nats, next);
    assert.deepEqual(await info(), before, "the lister's consumer delivered nothing");
  });

  it('stops at start, with a message naming the settings, when the password is wrong', () => {
    const wrong = 'not-the-copier-password';
    const result = spawnSync(process.execPath, [...nodeFlags('copier'), MAIN_SCRIPT, '--target', 'copier'], {
      env: {
        PATH: process.env.PATH,
        NATS_URL: nats.url,
        NATS_USER: 'ferry-copier',
        NATS_PASSWORD: wrong,
        FERRY_SOURCE_ENDPOINT: s3.endpoint,
        FERRY_SECRET_KEY: TEST_SECRET_KEY,
        FERRY_DATA_DIR: join(tmp.path, 'ferry-wrong'),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^ferry: NATS at nats:\/\/127\.0\.0\.1:\d+ refused to let this process in as user "ferry-copier" \(.*Authorization Violation.*\): check ferry\.nats\.user and ferry\.nats\.password \(NATS_USER, NATS_PASSWORD\)\n$/i);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(wrong), 'the password is never printed');
  });
});
