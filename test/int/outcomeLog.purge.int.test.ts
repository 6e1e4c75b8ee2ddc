import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JetStreamManager, NatsConnection } from 'nats';
import { forEachInRange, STREAMS } from '../../libs/nats/index.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

const encoder = new TextEncoder();

/**
 * A reader of a subject's range whose tail is purged while it reads (a run's outcome batches compacted
 * as GET .../differences reads them) ends with what it got, instead of waiting for the purged messages.
 */
describe('reading a range of the events stream while it is purged', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  before(async () => {
    jetStream = await startJetStream('outcome-purge');
    nc = jetStream.nc;
    jsm = await nc.jetstreamManager();
  });
  after(async () => {
    await jetStream?.stop();
  });

  async function publishMany(subject: string, count: number): Promise<number> {
    const js = nc.jetstream();
    let first = 0;
    for (let i = 0; i < count; i++) {
      const ack = await js.publish(subject, encoder.encode(JSON.stringify({ i })));
      if (i === 0) first = ack.seq;
    }
    return first;
  }

  // Without the end on "nothing left", each read below waits for ever: the timeout fails it instead.
  it('streamed: more messages than one delivery holds, the subject purged at the first', { timeout: 30_000 }, async () => {
    const subject = 'ferry.outcome.streamed';
    const first = await publishMany(subject, 2500);
    const seen: number[] = [];
    let purging: Promise<unknown> | undefined;
    await forEachInRange<{ i: number }>(nc, subject, first, Number.MAX_SAFE_INTEGER, (_seq, event) => {
      seen.push(event.i);
      purging ??= jsm.streams.purge(STREAMS.events, { filter: subject });
    });
    await purging;
    assert.ok(seen.length >= 1 && seen.length < 2500, `read ${seen.length} of 2,500`);
    assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i), 'in order, from the first, no gaps');
  });

  it('paced: the subject purged after the first batch', { timeout: 30_000 }, async () => {
    const subject = 'ferry.outcome.paced';
    const first = await publishMany(subject, 50);
    const seen: number[] = [];
    await forEachInRange<{ i: number }>(
      nc,
      subject,
      first,
      Number.MAX_SAFE_INTEGER,
      async (_seq, event) => {
        seen.push(event.i);
        if (event.i === 9) await jsm.streams.purge(STREAMS.events, { filter: subject });
      },
      10,
    );
    assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => i));
  });

  it('reads a whole range when nothing is purged', async () => {
    const subject = 'ferry.outcome.whole';
    const first = await publishMany(subject, 1200);
    let count = 0;
    await forEachInRange(nc, subject, first, Number.MAX_SAFE_INTEGER, () => {
      count++;
    });
    assert.equal(count, 1200);
  });
});
