import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { NatsConnection } from 'nats';
import { workItemMessageId, type ObjectsProcessed, type WorkItem } from '../../libs/domain/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { consumers, encodeJson, ensureRunConsumer, readSubjectRange, STREAMS, subjects } from '../../libs/nats/index.js';
import { closeSdkClients, createCopyEngine, sdkClient } from '../../libs/s3/index.js';
import { DestinationBreaker } from '../../services/copier/destinationBreaker.js';
import { RunWorker } from '../../services/copier/runWorker.js';
import { Slots } from '../../services/copier/slots.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';
import { waitFor } from '../harness/waitFor.js';

const OBJECTS = 300;
const THRESHOLD = 10;
const CONCURRENCY = 4;
/** What one copier may have refused before it stops: a streak, plus the copies already in flight when it tripped. */
const PER_TRIP = THRESHOLD + CONCURRENCY;

/**
 * A copier whose destination refuses every write, with the run's failing held open by the test:
 * whatever order copies and outcome batches happen in, the tripped copier must begin nothing more
 * and publish none of its held outcomes until failing the run settled, so the run can never end
 * object by object first.
 */
describe('a copier whose destination breaker tripped', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let s3: S3Fixture;
  let proxy: FaultProxy;

  before(async () => {
    jetStream = await startJetStream('breaker-worker');
    nc = jetStream.nc;
    s3 = await startS3Fixture(['src', 'dst']);
    const client = sdkClient(s3.endpoint);
    for (let i = 0; i < OBJECTS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, OBJECTS - i) }, (_, j) => client.send(new PutObjectCommand({ Bucket: 'src', Key: `k/${String(i + j).padStart(4, '0')}`, Body: `object ${i + j}` }))));
    }
    proxy = await startFaultProxy(s3.server.endpoint, { denyWrites: true });
  });
  after(async () => {
    closeSdkClients();
    await proxy?.stop();
    await s3?.stop();
    await jetStream?.stop();
  });

  /** Publishes the run's work items and answers a worker for it whose failRun is `failRun`. */
  async function runWithItems(jobId: string, failRun: (error: string) => Promise<boolean>): Promise<RunWorker> {
    const js = nc.jetstream();
    for (let ordinal = 0; ordinal < OBJECTS; ordinal++) {
      const item: WorkItem = { job_id: jobId, run: 1, ordinal, key: `k/${String(ordinal).padStart(4, '0')}`, size: String(`object ${ordinal}`).length, etag: '', last_modified: '' };
      await js.publish(subjects.work(jobId, 1), encodeJson(item), { msgID: workItemMessageId(item) });
    }
    await ensureRunConsumer(await nc.jetstreamManager(), jobId, 1, CONCURRENCY);
    return new RunWorker({
      js,
      consumer: consumers.work(jobId, 1),
      log: createLogger('silent'),
      slots: new Slots(64),
      engine: createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 }),
      jobId,
      run: 1,
      definition: { concurrency: CONCURRENCY },
      settingsOf: (definition) => ({ priority: definition.priority ?? 100, concurrency: definition.concurrency ?? CONCURRENCY }),
      heartbeatMs: 5_000,
      retry: { maxRetries: 0, delayMs: 100, backoff: 'fixed' },
      source: s3.endpoint,
      sourceBucket: 'src',
      destination: endpointAt(proxy.endpoint, s3.endpoint),
      destinationBucket: 'dst',
      breaker: new DestinationBreaker(THRESHOLD),
      failRun,
    });
  }

  /** Outcomes of the job published so far. */
  async function publishedOutcomes(jobId: string): Promise<number> {
    const batches = await readSubjectRange<ObjectsProcessed>(nc, subjects.outcome(jobId));
    return batches.reduce((sum, { event }) => sum + event.data.outcomes.length, 0);
  }

  const idle = (worker: RunWorker) => waitFor('copies in flight to end', async () => (worker.inFlightCount === 0 ? true : undefined));

  it('begins no more items and holds its outcomes until the run is failed, then publishes them', async () => {
    const refusedBefore = proxy.stats().faulted;
    let settle!: (failed: boolean) => void;
    const reasons: string[] = [];
    const worker = await runWithItems('breaker-held', (reason) => {
      reasons.push(reason);
      return new Promise<boolean>((resolve) => (settle = resolve));
    });
    try {
      worker.resume();
      await waitFor('the breaker to trip', async () => (reasons.length > 0 ? true : undefined));
      await idle(worker);
      const refused = proxy.stats().faulted - refusedBefore;
      assert.ok(refused >= THRESHOLD && refused <= PER_TRIP, `${refused} writes refused, expected ${THRESHOLD}..${PER_TRIP}`);
      assert.ok((await publishedOutcomes('breaker-held')) < refused, 'the tripping failure and those after it are held');
      const waiting = await (await nc.jetstreamManager()).consumers.info(STREAMS.work, consumers.work('breaker-held', 1));
      assert.ok(waiting.num_pending + waiting.num_ack_pending >= OBJECTS - refused, `the rest of the run's items stay in the stream: ${JSON.stringify({ pending: waiting.num_pending, acks: waiting.num_ack_pending })}`);
      assert.deepEqual(reasons, [`destination refused writes: AccessDenied (${THRESHOLD} consecutive objects)`]);

      settle(true);
      await waitFor('held outcomes to be published', async () => ((await publishedOutcomes('breaker-held')) === refused ? true : undefined));
      assert.equal(proxy.stats().faulted - refusedBefore, refused, 'nothing more was begun once the run failed');
    } finally {
      await worker.stop();
    }
  });

  it('given failing the run did not go through, then it re-arms and trips again on the next streak', async () => {
    const refusedBefore = proxy.stats().faulted;
    let calls = 0;
    const worker = await runWithItems('breaker-rearmed', async () => ++calls === 2);
    try {
      worker.resume();
      await waitFor('the second trip', async () => (calls >= 2 ? true : undefined));
      await idle(worker);
      const refused = proxy.stats().faulted - refusedBefore;
      assert.equal(calls, 2);
      assert.ok(refused >= 2 * THRESHOLD && refused <= 2 * PER_TRIP, `${refused} writes refused over two trips`);
      await waitFor('every refusal published', async () => ((await publishedOutcomes('breaker-rearmed')) === refused ? true : undefined));
    } finally {
      await worker.stop();
    }
  });
});
