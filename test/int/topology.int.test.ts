import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RetentionPolicy, StorageType, nanos, type NatsConnection } from 'nats';
import { loadConfig } from '../../libs/config/index.js';
import { STREAMS, WORK_DUPLICATE_WINDOW_MS, ensureTopology, subjects } from '../../libs/nats/index.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

/** The work stream is capped by configuration, not by any bucket's size. */
describe('stream topology', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;

  before(async () => {
    jetStream = await startJetStream('topology', { topology: false });
    nc = jetStream.nc;
  });

  after(async () => {
    await jetStream?.stop();
  });

  it('caps the work stream at ferry.nats.max_work_items, and applies a changed cap to the existing stream', async () => {
    const jsm = await nc.jetstreamManager();
    const first = loadConfig({ env: { FERRY_MAX_WORK_ITEMS: '20000' } });
    await ensureTopology(nc, { replicas: 1, maxWorkItems: first.natsMaxWorkItems });
    assert.equal((await jsm.streams.info(STREAMS.work)).config.max_msgs, 20_000);
    await ensureTopology(nc, { replicas: 1, maxWorkItems: loadConfig({ env: {} }).natsMaxWorkItems });
    assert.equal((await jsm.streams.info(STREAMS.work)).config.max_msgs, 1_000_000, 'the default');
  });

  it('gives the work stream a short duplicate window, also when an older Ferry created it with two minutes', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(STREAMS.work);
    await jsm.streams.add({
      name: STREAMS.work,
      subjects: [subjects.allWork],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(2 * 60_000),
    });
    await ensureTopology(nc, { replicas: 1 });
    const { config } = await jsm.streams.info(STREAMS.work);
    assert.equal(config.duplicate_window, nanos(WORK_DUPLICATE_WINDOW_MS));
    assert.equal((await jsm.streams.info(STREAMS.events)).config.duplicate_window, nanos(2 * 60_000), 'decisions keep the two minutes their retries need');
  });
});
