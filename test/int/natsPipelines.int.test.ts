import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, nanos, RetentionPolicy, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { PipelinedPublisher } from '../../libs/nats/index.js';
import { WorkPuller } from '../../services/copier/workPuller.js';
import { PublishWindow } from '../../services/lister/publishWindow.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitForProgress } from '../harness/waitFor.js';

const encoder = new TextEncoder();

describe('JetStream publishing and pulling without a request per message', () => {
  const tmp = makeTempDir('nats-pipelines');
  let nats: RunningNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  before(async () => {
    nats = await startNatsServer({ storeDir: join(tmp.path, 'nats') });
    nc = await connect({ servers: nats.url });
    jsm = await nc.jetstreamManager();
  });
  after(async () => {
    await nc?.close();
    await nats?.stop();
    tmp.remove();
  });

  it('stores 1,000 publishes sent with their PubAcks outstanding, and a republished message id only once', async () => {
    await jsm.streams.add({ name: 'P1', subjects: ['p1.>'], duplicate_window: nanos(60_000) });
    const publisher = new PipelinedPublisher(nc);
    try {
      const acks = await Promise.all(Array.from({ length: 1000 }, (_, i) => publisher.publish(`p1.${i % 7}`, encoder.encode(`m${i}`), `id-${i}`)));
      assert.deepEqual(new Set(acks.map((a) => a.seq)).size, 1000);
      assert.ok(acks.every((a) => a.stream === 'P1' && !a.duplicate));
      const again = await Promise.all([3, 500, 999].map((i) => publisher.publish(`p1.${i % 7}`, encoder.encode(`m${i}`), `id-${i}`)));
      assert.ok(again.every((a) => a.duplicate));
      assert.equal((await jsm.streams.info('P1')).state.messages, 1000);
    } finally {
      publisher.close();
    }
  });

  it('keeps retrying while no stream takes the subject, and stores the message once one does', async () => {
    // A plain subscriber sees every attempt (and, being there, spares the publisher a no-responders answer: each attempt times out).
    const publisher = new PipelinedPublisher(nc, { timeoutMs: 200 });
    let attempts = 0;
    const watcher = nc.subscribe('p2.>', { callback: () => attempts++ });
    try {
      const stored = publisher.publish('p2.x', encoder.encode('late'), 'late-1');
      await waitForProgress('a second attempt', async () => ({ done: attempts >= 2 ? true : undefined, progress: attempts }), { intervalMs: 20 });
      await jsm.streams.add({ name: 'P2', subjects: ['p2.>'] });
      const ack = await stored;
      assert.equal(ack.stream, 'P2');
      assert.equal((await jsm.streams.info('P2')).state.messages, 1);
    } finally {
      watcher.unsubscribe();
      publisher.close();
    }
  });

  it('fails a publish the stream refuses for good instead of retrying it', async () => {
    await jsm.streams.add({ name: 'P3', subjects: ['p3.>'], max_msg_size: 100 });
    const publisher = new PipelinedPublisher(nc);
    try {
      await publisher.publish('p3.a', encoder.encode('small'), 'p3-1');
      const started = Date.now();
      await assert.rejects(publisher.publish('p3.a', encoder.encode('x'.repeat(200)), 'p3-2'), /exceeds maximum/);
      assert.ok(Date.now() - started < 1_000, 'refused at once, not retried');
    } finally {
      publisher.close();
    }
  });

  it("a listing's publish window throws a refused publish at the next drain, even one that failed long before it", async () => {
    // Listings checkpoint after drain(): a publish that failed and was forgotten would let the checkpoint pass a work item never stored.
    await jsm.streams.add({ name: 'P4', subjects: ['p4.>'], max_msg_size: 100 });
    const js = nc.jetstream();
    const window = new PublishWindow(256);
    assert.equal(window.add(js.publish('p4.a', encoder.encode('x'.repeat(200)), { msgID: 'p4-big' })), undefined);
    await window.add(js.publish('p4.a', encoder.encode('small'), { msgID: 'p4-1' }));
    await waitForProgress('both publishes answered', async () => {
      const messages = (await jsm.streams.info('P4')).state.messages;
      return { done: messages === 1 ? true : undefined, progress: messages };
    });
    await assert.rejects(window.drain(), /exceeds maximum/);
    await assert.rejects(Promise.resolve(window.add(js.publish('p4.a', encoder.encode('later'), { msgID: 'p4-2' }))), /exceeds maximum/);
  });

  describe('a work puller', () => {
    const js = () => nc.jetstream();

    before(async () => {
      await jsm.streams.add({ name: 'W', subjects: ['w.>'], retention: RetentionPolicy.Workqueue });
      for (let i = 0; i < 20; i++) await js().publish('w.capped', encoder.encode(`item-${i}`));
      await jsm.consumers.add('W', { durable_name: 'capped', filter_subject: 'w.capped', ack_policy: AckPolicy.Explicit, max_ack_pending: 3, ack_wait: nanos(30_000) });
    });

    it('gets no more than max_ack_pending lets it hold, and ends at its expiry with what came', async () => {
      const puller = await WorkPuller.bind(js(), 'W', 'capped', 'w.capped', () => assert.fail('no item may arrive outside a pull'));
      try {
        const got: JsMsg[] = [];
        const started = Date.now();
        const result = await puller.pull(10, 300, (msg) => got.push(msg));
        assert.equal(result.received, 3);
        assert.equal(result.refused, undefined);
        assert.deepEqual(got.map((m) => new TextDecoder().decode(m.data)), ['item-0', 'item-1', 'item-2']);
        const waited = Date.now() - started;
        assert.ok(waited >= 250 && waited < 3_000, `it ended when the pull expired, after ${waited} ms`);
        for (const m of got) m.ack();
        // Acked, they free the consumer: the next pull is filled at once.
        const next: JsMsg[] = [];
        assert.deepEqual(await puller.pull(3, 5_000, (msg) => next.push(msg)), { received: 3 });
        assert.equal(next[0]!.info.redeliveryCount, 1);
        for (const m of next) m.ack();
      } finally {
        puller.stop();
      }
    });

    it('ends a pull nobody answers (its consumer is gone) by itself, and at once when stopped', async () => {
      await jsm.consumers.add('W', { durable_name: 'doomed', filter_subject: 'w.doomed', ack_policy: AckPolicy.Explicit });
      const puller = await WorkPuller.bind(js(), 'W', 'doomed', 'w.doomed', () => undefined);
      try {
        await jsm.consumers.delete('W', 'doomed');
        let started = Date.now();
        assert.deepEqual(await puller.pull(5, 200, () => undefined), { received: 0 });
        assert.ok(Date.now() - started >= 200, 'not before its expiry');
        started = Date.now();
        const open = puller.pull(5, 60_000, () => undefined);
        puller.stop();
        assert.deepEqual(await open, { received: 0 });
        assert.ok(Date.now() - started < 1_000);
      } finally {
        puller.stop();
      }
    });
  });
});
