import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from 'nats';
import type { S3Client } from '@aws-sdk/client-s3';
import { evolve, initialJobState, type JobEvent, type JobState } from '../../libs/domain/index.js';
import { JobEventStore } from '../../libs/nats/index.js';
import { loadFerryProto } from '../../libs/transport/index.js';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { seededRandom } from '../harness/seededRandom.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

type Command = 'start' | 'pause' | 'resume' | 'cancel' | 'retry-failed' | 'delete';
const COMMANDS: Command[] = ['start', 'pause', 'resume', 'cancel', 'retry-failed', 'delete'];
const RPC: Record<Command, string> = { start: 'StartJob', pause: 'PauseJob', resume: 'ResumeJob', cancel: 'CancelJob', 'retry-failed': 'RetryFailed', delete: 'DeleteJob' };

interface Answer {
  command: Command;
  via: 'rest' | 'grpc';
  ok: boolean;
  /** The status a success answered with, or the one a refusal named. */
  status?: string;
  /** Why a refusal was refused: 'precondition' (409 / FAILED_PRECONDITION) or 'not found'. */
  refusal?: 'precondition' | 'not found';
  detail: string;
}

/** The command whose success an event records; undefined for what the workers append (listing, run endings, admissions). */
function commandOf(event: JobEvent, admitted: ReadonlySet<number>): Command | undefined {
  switch (event.type) {
    case 'JobPaused':
      return 'pause';
    case 'JobResumed':
      return 'resume';
    case 'JobCancelled':
      return 'cancel';
    case 'JobDeleted':
      return 'delete';
    case 'RunQueued':
      return event.data.retry_of === undefined ? 'start' : 'retry-failed';
    case 'RunStarted':
      if (admitted.has(event.data.run)) return undefined; // the scheduler admitting a queued run
      return event.data.retry_of === undefined ? 'start' : 'retry-failed';
    default:
      return undefined;
  }
}

const tally = (items: Array<Command | undefined>) => {
  const counts: Partial<Record<Command, number>> = {};
  for (const c of items) if (c) counts[c] = (counts[c] ?? 0) + 1;
  return counts;
};

/**
 * Eight lifecycle commands at once on one job, half over REST and half over gRPC, twenty times:
 * every success is exactly one event in the job's log, every loser is refused with the status it
 * met, and GetJob, a replay of the log and the answers agree.
 */
describe('concurrent lifecycle commands on one job', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let nc: NatsConnection;
  let client: grpc.Client;
  let s3: S3Client;
  const proto = loadFerryProto();
  const jobId = 'contended';

  before(async () => {
    env = await startTestEnv('lifecycle-concurrent', 1);
    s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    await putObjects(s3, 'src', Array.from({ length: 40 }, (_, i) => ({ key: `c/${String(i).padStart(2, '0')}`, body: randomBytes(4096) })));
    // The 'failed' rounds need a run that fails (into a missing bucket): the start-time bucket check would refuse it first.
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry'), extraEnv: { FERRY_CHECK_ON_START: 'false' } });
    nc = await connect({ servers: env.nats.url });
    client = new grpc.Client(`127.0.0.1:${ferry.grpcPort}`, grpc.credentials.createInsecure());
  });

  after(async () => {
    client?.close();
    await nc?.close();
    await ferry?.stop();
    await env?.stop();
  });

  const api = (method: string, path: string, body?: unknown) => rest(ferry.httpPort!, method, path, body);
  const refusedStatus = (message: string) => /that is (\w+)/.exec(message)?.[1];

  async function overRest(command: Command): Promise<Answer> {
    const res = command === 'delete' ? await api('DELETE', `/admin/batch/jobs/${jobId}`) : await api('POST', `/admin/batch/jobs/${jobId}/${command}`);
    const detail = `${command} over REST: ${res.status} ${res.body.status ?? res.body.error?.message ?? JSON.stringify(res.body)}`;
    if (res.status === 200) return { command, via: 'rest', ok: true, status: res.body.status, detail };
    const refusal = res.status === 409 ? 'precondition' : res.status === 404 ? 'not found' : undefined;
    assert.ok(refusal, `a refusal is 409 or 404: ${detail}`);
    return { command, via: 'rest', ok: false, refusal, status: refusedStatus(res.body.error?.message ?? ''), detail };
  }

  function overGrpc(command: Command): Promise<Answer> {
    const def = proto.service[RPC[command]]!;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TEST_TOKEN}`);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, { job_id: jobId }, md, {}, (err, reply?: { status?: string }) => {
        const detail = `${command} over gRPC: ${err ? `${grpc.status[err.code]} ${err.details}` : `OK ${reply?.status ?? JSON.stringify(reply)}`}`;
        if (!err) return resolve({ command, via: 'grpc', ok: true, status: reply?.status, detail });
        const refusal = err.code === grpc.status.FAILED_PRECONDITION ? 'precondition' : err.code === grpc.status.NOT_FOUND ? 'not found' : undefined;
        if (!refusal) return reject(new Error(`a refusal is FAILED_PRECONDITION or NOT_FOUND: ${detail}`));
        resolve({ command, via: 'grpc', ok: false, refusal, status: refusedStatus(err.details), detail });
      });
    });
  }

  const definition = (destination_bucket: string) => ({
    job_id: jobId,
    source_bucket: 'src',
    destination_bucket,
    destination_endpoint: env.s3[0]!.endpoint,
    destination_access_key: 'S3RVER',
    destination_secret_key: 'S3RVER',
    // A run copies a few objects a second, so it is still running when the round contends over it.
    rate_limit_bytes_per_sec: 8192,
  });

  async function command(path: string, method = 'POST'): Promise<void> {
    const res = await api(method, `/admin/batch/jobs/${jobId}${path}`);
    // The control plane decides against the log, not a cache a lost race left wrong.
    assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
  }

  /**
   * Deletes what the previous round left. Decided against the log, not the view: GetJob may still show a
   * run that has failed since (a run into the missing bucket fails at once), so a delete refused for an
   * active run is followed by a cancel, which may itself find the run ended already, and tried again.
   */
  async function clear(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const deleted = await api('DELETE', `/admin/batch/jobs/${jobId}`);
      if (deleted.status === 200 || deleted.status === 404) return;
      assert.equal(deleted.status, 409, JSON.stringify(deleted.body));
      const cancelled = await api('POST', `/admin/batch/jobs/${jobId}/cancel`);
      assert.ok(cancelled.status === 200 || cancelled.status === 409, `cancel: ${JSON.stringify(cancelled.body)}`);
    }
    assert.fail(`job ${jobId} could not be deleted in 5 tries`);
  }

  /** A fresh job in `target`, so the rounds contend from every state a command can meet. */
  async function prepare(round: number, target: 'running' | 'paused' | 'cancelled' | 'pending' | 'failed'): Promise<void> {
    await clear();
    // An empty bucket each round, so that nothing is skipped and the run keeps copying; into a bucket
    // that does not exist, every object fails at once and so does the run.
    const bucket = target === 'failed' ? 'missing' : `dst-${round}`;
    if (target !== 'failed') await createBucket(s3, bucket);
    const created = await api('POST', '/admin/batch/jobs', definition(bucket));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    if (target === 'pending') return;
    await command('/start');
    if (target === 'paused') await command('/pause');
    if (target === 'cancelled') await command('/cancel');
    if (target === 'failed') {
      await waitForJob(ferry.httpPort!, jobId, 'failed', (body) => body.status === 'failed');
    }
  }

  it('20 rounds of 8 concurrent mixed commands over REST and gRPC: each success is exactly one event', async () => {
    const store = await JobEventStore.open(nc);
    const random = seededRandom(2);
    let attempted = 0;
    for (let round = 0; round < 20; round++) {
      await prepare(round, (['running', 'paused', 'cancelled', 'pending', 'failed'] as const)[round % 5]!);
      const before = await store.read(jobId);
      const start: JobState = before.reduce((s, e) => evolve(s, e.event), initialJobState(jobId));
      const commands = Array.from({ length: 8 }, () => COMMANDS[Math.floor(random() * COMMANDS.length)]!);
      const answers = await Promise.all(commands.map((c, i) => (i % 2 === 0 ? overRest(c) : overGrpc(c))));
      attempted += answers.length;

      const log = await store.read(jobId);
      const appended = log.slice(before.length).map((e) => e.event);
      const admitted = new Set(appended.flatMap((e) => (e.type === 'RunQueued' ? [e.data.run] : [])));
      const why = `round ${round} from ${start.status}:\n  ${answers.map((a) => a.detail).join('\n  ')}\n  log: ${appended.map((e) => e.type).join(', ')}`;
      assert.deepEqual(tally(appended.map((e) => commandOf(e, admitted))), tally(answers.filter((a) => a.ok).map((a) => a.command)), why);

      // Each answer names a state the job really passed through this round.
      const statuses = new Set<string>([start.status]);
      let state = start;
      for (const event of appended) {
        state = evolve(state, event);
        statuses.add(state.exists ? state.status : 'deleted');
      }
      for (const a of answers) {
        if (a.refusal === 'not found') assert.ok(statuses.has('deleted'), `only a deleted job is not found: ${why}`);
        else if (a.command !== 'delete' || !a.ok) assert.ok(a.status && statuses.has(a.status), `${a.detail} names a status of the log: ${why}`);
      }

      // GetJob (the read model) and a replay of the log agree once the projector has folded it.
      await waitFor(`round ${round}: GetJob shows the log's state`, async () => {
        const replayed = (await store.read(jobId)).reduce((s, e) => evolve(s, e.event), initialJobState(jobId));
        const got = await api('GET', `/admin/batch/jobs/${jobId}`);
        if (!replayed.exists) return got.status === 404 ? true : undefined;
        return got.status === 200 && got.body.status === replayed.status ? true : undefined;
      }, 120_000);
    }
    assert.equal(attempted, 160);
  });
});
