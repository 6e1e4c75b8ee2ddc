import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import type { JobCommand } from '../../libs/domain/index.js';
import { JobEventStore, STREAMS, subjects } from '../../libs/nats/index.js';
import { watchLogReads } from '../harness/logReads.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

/**
 * JobEventStore.read gets a short tail of the job's log message by message and opens an ordered consumer
 * only for a long one: nats-server 2.9 keeps part of every consumer created and deleted for good.
 */
describe('reading a job log', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const metadata = () => ({ now: new Date(clock++).toISOString() });
  const create = (jobId: string): JobCommand => ({ type: 'CreateJob', data: { definition: { job_id: jobId, source_bucket: 's', destination_bucket: 'd' } }, metadata: metadata() });
  const toggle = (type: 'PauseJob' | 'ResumeJob', jobId: string) => ({ type, data: { job_id: jobId }, metadata: metadata() }) as JobCommand;

  before(async () => {
    jetStream = await startJetStream('event-store-read');
    nc = jetStream.nc;
  });

  after(async () => {
    await jetStream?.stop();
  });

  /** Appends the commands to the job's log; answers each appended event's sequence and type, as the append's acks gave them. */
  async function append(store: JobEventStore, jobId: string, commands: JobCommand[]): Promise<Array<{ seq: number; type: string }>> {
    const appended: Array<{ seq: number; type: string }> = [];
    for (const command of commands) {
      const { events, lastSeq } = await store.execute(jobId, command);
      events.forEach((event, i) => appended.push({ seq: lastSeq - (events.length - 1 - i), type: event.type }));
    }
    return appended;
  }

  it('gets a tail of a few events without creating a consumer, and reads a long log in order with one', async () => {
    const writer = await JobEventStore.open(nc);
    const reader = await JobEventStore.open(nc);
    const started = await append(writer, 'tail', [create('tail'), { type: 'StartJob', data: { job_id: 'tail' }, metadata: metadata() } as JobCommand]);
    const toggles: JobCommand[] = [];
    for (let i = 0; i < 10; i++) toggles.push(toggle('PauseJob', 'tail'), toggle('ResumeJob', 'tail'));
    // Another job's events between this job's: sequences of the stream that a read of this job passes over.
    const appended = [...started];
    for (const command of toggles) {
      appended.push(...(await append(writer, 'tail', [command])));
      await append(writer, `other-${appended.length}`, [create(`other-${appended.length}`)]);
    }
    const asRead = (events: Awaited<ReturnType<JobEventStore['read']>>) => events.map(({ seq, event }) => ({ seq, type: event.type }));

    const tailReads = await watchLogReads(nc);
    const tail = await reader.read('tail', appended[appended.length - 3]!.seq);
    await nc.flush();
    tailReads.stop();
    assert.deepEqual(asRead(tail), appended.slice(-3));
    assert.equal(tailReads.consumersCreated(), 0, 'a short tail is got message by message');
    assert.equal(tailReads.nextGets(), 3);

    const wholeReads = await watchLogReads(nc);
    const whole = await reader.read('tail');
    await nc.flush();
    wholeReads.stop();
    assert.ok(appended.length > 8, 'more events than a read gets one by one');
    assert.deepEqual(asRead(whole), appended, 'every event, in order, once');
    assert.equal(wholeReads.consumersCreated(), 1, 'one ordered consumer reads on after the gets');

    assert.deepEqual(await reader.read('tail', appended[appended.length - 1]!.seq + 1), [], 'nothing after the end');
  });

  it('fails at once, without a consumer, when the log is removed between finding its end and reading it', async () => {
    const writer = await JobEventStore.open(nc);
    await append(writer, 'removed', [create('removed'), { type: 'StartJob', data: { job_id: 'removed' }, metadata: metadata() } as JobCommand, toggle('PauseJob', 'removed')]);
    // The reader's own connection purges the job's subject as soon as the subject's end has been found.
    const readerNc = await connect({ servers: jetStream.nats.url });
    const jetstreamManager = readerNc.jetstreamManager.bind(readerNc);
    readerNc.jetstreamManager = async (opts) => purgingAfterLastGet(await jetstreamManager(opts), subjects.job('removed'));
    const reader = await JobEventStore.open(readerNc);

    const reads = await watchLogReads(nc);
    await assert.rejects(reader.read('removed'), /removed while being read/);
    await nc.flush();
    reads.stop();
    assert.equal(reads.consumersCreated(), 0, 'no ordered consumer waits for events that are gone');
    await readerNc.close();
  });
});

/** `jsm`, whose first `last_by_subj` get of `subject` purges the subject from the events stream before it answers. */
function purgingAfterLastGet(jsm: JetStreamManager, subject: string): JetStreamManager {
  const getMessage = jsm.streams.getMessage.bind(jsm.streams);
  let purged = false;
  jsm.streams.getMessage = async (stream, query) => {
    const msg = await getMessage(stream, query);
    if (!purged && typeof query === 'object' && 'last_by_subj' in query && query.last_by_subj === subject) {
      purged = true;
      await jsm.streams.purge(STREAMS.events, { filter: subject });
    }
    return msg;
  };
  return jsm;
}
