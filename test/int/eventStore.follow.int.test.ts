import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { foldJob, type JobCommand } from '../../libs/domain/index.js';
import { JobEventStore, subjects } from '../../libs/nats/index.js';
import { watchLogReads, type LogReads } from '../harness/logReads.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

/**
 * The projector's store follows the events stream (JobEventStore.startFollowing): a decision after the
 * job's events were handed on reads nothing back, seen on the wire as no consumer created on the stream
 * and no message got from it.
 */
describe('a job event store following the events stream', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let reads: LogReads | undefined;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const command = (type: 'StartJob' | 'PauseJob' | 'ResumeJob', jobId: string) => ({ type, data: { job_id: jobId }, metadata: { now: new Date(clock++).toISOString() } }) as JobCommand;
  const create = (jobId: string): JobCommand => ({ type: 'CreateJob', data: { definition: { job_id: jobId, source_bucket: 's', destination_bucket: 'd' } }, metadata: { now: new Date(clock++).toISOString() } });
  const logReads = () => (reads ? reads.consumersCreated() + reads.nextGets() : 0);

  before(async () => {
    jetStream = await startJetStream('event-store-follow');
    nc = jetStream.nc;
  });

  after(async () => {
    await jetStream?.stop();
  });

  /** Counts, from now, the requests that read the job's log from the events stream. */
  async function watchReads(): Promise<void> {
    reads?.stop();
    reads = await watchLogReads(nc);
  }

  /** Hands the follower every message of the stream after `from`, in order, as the projector's fold does. */
  async function handOn(follower: JobEventStore, reader: JobEventStore, jobId: string, from: number): Promise<number> {
    let last = from;
    for (const { seq, event } of await reader.read(jobId, from + 1)) {
      follower.follow(subjects.job(jobId), seq, event);
      last = seq;
    }
    return last;
  }

  it('decides against the followed state without reading the log, and reads on from the cache when an event was not handed on', async () => {
    const jobId = 'followed';
    const writer = await JobEventStore.open(nc);
    const reader = await JobEventStore.open(nc);
    const follower = await JobEventStore.open(nc);
    follower.startFollowing();
    await writer.execute(jobId, create(jobId));
    await writer.execute(jobId, command('StartJob', jobId));
    let handed = await handOn(follower, reader, jobId, 0);
    await follower.load(jobId);

    for (let round = 0; round < 10; round++) {
      await writer.execute(jobId, command('PauseJob', jobId));
      await writer.execute(jobId, command('ResumeJob', jobId));
    }
    handed = await handOn(follower, reader, jobId, handed);

    await watchReads();
    const paused = await follower.execute(jobId, command('PauseJob', jobId));
    await nc.flush();
    assert.equal(logReads(), 0, 'the decision read nothing back');
    assert.deepEqual(paused.events.map((e) => e.type), ['JobPaused']);
    const log = await reader.read(jobId);
    assert.deepEqual(paused.state, foldJob(jobId, log.map((e) => e.event)), 'decided against the log as it is');

    // The follower's own event, then one by another writer that is never handed on.
    handed = await handOn(follower, reader, jobId, handed);
    await writer.execute(jobId, command('ResumeJob', jobId));
    await watchReads();
    const pausedAgain = await follower.execute(jobId, command('PauseJob', jobId));
    await nc.flush();
    assert.ok(logReads() >= 1, 'what was not handed on is read back');
    assert.deepEqual(pausedAgain.events.map((e) => e.type), ['JobPaused'], 'and the decision sees the resume');
    assert.deepEqual(pausedAgain.state, foldJob(jobId, (await reader.read(jobId)).map((e) => e.event)));
  });
});
