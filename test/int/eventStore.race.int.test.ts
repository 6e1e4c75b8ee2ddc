import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { FerryError, foldJob, type JobCommand, type JobEvent } from '../../libs/domain/index.js';
import { JobEventStore, encodeJson, subjects } from '../../libs/nats/index.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';
import { seededRandom } from '../harness/seededRandom.js';

type Lifecycle = 'StartJob' | 'PauseJob' | 'ResumeJob' | 'CancelJob' | 'RetryFailed' | 'DeleteJob';
const LIFECYCLE: Lifecycle[] = ['StartJob', 'PauseJob', 'ResumeJob', 'CancelJob', 'RetryFailed', 'DeleteJob'];

/** Commands decided against the same state at once: every success is in the log, once; every loser is refused or decided again. */
describe('job event store under concurrent commands', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  // A distinct time per command makes each decided event identifiable in the log.
  const tick = () => new Date(clock++).toISOString();
  const command = (type: Lifecycle, jobId: string) => ({ type, data: { job_id: jobId }, metadata: { now: tick() } }) as JobCommand;

  before(async () => {
    jetStream = await startJetStream('event-store-race');
    nc = jetStream.nc;
  });

  after(async () => {
    await jetStream?.stop();
  });

  async function ensureRunning(store: JobEventStore, jobId: string): Promise<void> {
    const { state } = await store.load(jobId);
    if (!state.exists) await store.execute(jobId, { type: 'CreateJob', data: { definition: { job_id: jobId, source_bucket: 's', destination_bucket: 'd' } }, metadata: { now: tick() } });
    const { state: now } = await store.load(jobId);
    if (now.status === 'paused') await store.execute(jobId, command('ResumeJob', jobId));
    else if (now.status !== 'running') await store.execute(jobId, command('StartJob', jobId));
  }

  it('20 rounds of 8 mixed commands on one job through two stores: each success is exactly one logged event', async () => {
    const stores = [await JobEventStore.open(nc), await JobEventStore.open(nc)];
    const reader = await JobEventStore.open(nc);
    const random = seededRandom(18);
    const jobId = 'race';
    for (let round = 0; round < 20; round++) {
      await ensureRunning(stores[0]!, jobId);
      const before = (await reader.read(jobId)).length;
      // Pause and cancel in every round: the pair the issue saw race; the rest drawn at random.
      const types: Lifecycle[] = ['PauseJob', 'CancelJob', ...Array.from({ length: 6 }, () => LIFECYCLE[Math.floor(random() * LIFECYCLE.length)]!)];
      const outcomes = await Promise.allSettled(types.map((type, i) => stores[i % 2]!.execute(jobId, command(type, jobId))));

      const log = await reader.read(jobId);
      const appended = log.slice(before).map((e) => e.event);
      const succeeded: JobEvent[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') {
          assert.equal(outcome.value.events.length, 1, `round ${round}: ${types[i]} succeeded with one event`);
          succeeded.push(...outcome.value.events);
        } else {
          assert.ok(outcome.reason instanceof FerryError, `round ${round}: ${types[i]} failed with ${String(outcome.reason)}`);
          assert.ok(['FAILED_PRECONDITION', 'NOT_FOUND'].includes(outcome.reason.code), `round ${round}: ${types[i]}: ${outcome.reason.message}`);
        }
      });
      for (const event of succeeded) {
        assert.equal(appended.filter((e) => JSON.stringify(e) === JSON.stringify(event)).length, 1, `round ${round}: ${event.type} at ${event.data.at} is in the log once`);
      }
      assert.equal(appended.length, succeeded.length, `round ${round}: nothing in the log that no caller was told about`);
      const replayed = foldJob(jobId, log.map((e) => e.event));
      for (const store of stores) assert.deepEqual((await store.load(jobId)).state, replayed, `round ${round}: a store's cached state is the log's`);
    }
  });

  it('a duplicate PubAck for a message id it did not publish is a conflict, not a success', async () => {
    const jobId = 'foreign-duplicate';
    const setup = await JobEventStore.open(nc);
    await ensureRunning(setup, jobId);
    // Another message in the stream's duplicate window already carries the id the store's first decision will use.
    const js = nc.jetstream();
    await js.publish(subjects.job('elsewhere'), encodeJson({ type: 'JobPaused', data: { job_id: 'elsewhere', run: 1, at: tick() } }), { msgID: `${jobId}:taken:0` });
    const ids = ['taken'];
    const store = await JobEventStore.open(nc, { decisionId: () => ids.shift() ?? `fresh-${clock}` });

    const { events } = await store.execute(jobId, command('CancelJob', jobId));
    const log = (await setup.read(jobId)).map((e) => e.event);
    assert.deepEqual(log[log.length - 1], events[0], 'the cancel it reported is the last event in its own log');
    assert.equal(foldJob(jobId, log).status, 'cancelled');
    assert.equal((await store.load(jobId)).state.status, 'cancelled');
  });

  it('after losing a race it reads on from where its state had got to, not the whole log again', async () => {
    const jobId = 'reads-on';
    const winner = await JobEventStore.open(nc);
    const loser = await JobEventStore.open(nc);
    await ensureRunning(winner, jobId);
    const { lastSeq } = await loser.load(jobId);
    const readsFrom: number[] = [];
    const read = loser.read.bind(loser);
    // The winner appends between the loser's first read and its append, so that append conflicts.
    loser.read = async (id: string, fromSeq?: number) => {
      readsFrom.push(fromSeq ?? 1);
      const events = await read(id, fromSeq);
      if (readsFrom.length === 1) await winner.execute(jobId, command('PauseJob', jobId));
      return events;
    };
    const { events } = await loser.execute(jobId, command('CancelJob', jobId));
    assert.equal(events[0]?.type, 'JobCancelled');
    assert.ok(readsFrom.length >= 2, `it read again after the conflict (reads from ${readsFrom.join(', ')})`);
    assert.ok(readsFrom.every((from) => from > lastSeq), `every read starts after sequence ${lastSeq}: ${readsFrom.join(', ')}`);
  });
});
