import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { VersionLog } from '../../libs/nats/index.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

/**
 * The versions a versions: all job copied (KV ferry_versions), on a real nats-server: what a run's lister
 * leaves out (earlier runs' copies only), what a copier of the same run sees as already written, and a
 * deleted job's entries forgotten.
 */
describe('the copied versions log', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let log: VersionLog;

  before(async () => {
    jetStream = await startJetStream('version-log');
    nc = jetStream.nc;
    log = await VersionLog.open(nc);
  });
  after(async () => {
    await jetStream?.stop();
  });

  it('keeps each key apart (any characters), adds to an entry, and tells earlier runs from the current one', async () => {
    await log.record('job.a', 'dir/a b+ü', 1, [['s1', 'd1'], ['s2', 'd2']]);
    await log.record('job.a', 'dir/a b+ü', 2, [['s3', 'd3']]);
    await log.record('job.a', 'dir/other', 1, [['x1', '']]);
    assert.deepEqual([...(await log.copiedBefore('job.a', 'dir/a b+ü', 2))], [['s1', 'd1'], ['s2', 'd2']]);
    assert.deepEqual([...(await log.copiedBefore('job.a', 'dir/a b+ü', 3))], [['s1', 'd1'], ['s2', 'd2'], ['s3', 'd3']]);
    assert.deepEqual([...(await log.copied('job.a', 'dir/a b+ü'))].filter(([, c]) => c.run === 2), [['s3', { destination: 'd3', run: 2 }]]);
    assert.deepEqual([...(await log.copiedBefore('job.a', 'dir/other', 2))], [['x1', '']]);
    assert.equal((await log.copied('job.a', 'never')).size, 0);
  });

  it('two writers of one key both land (the revision check retries the loser)', async () => {
    await Promise.all([log.record('job-b', 'k', 1, [['a', '1']]), log.record('job-b', 'k', 1, [['b', '2']])]);
    assert.deepEqual([...(await log.copiedBefore('job-b', 'k', 2))].sort(), [['a', '1'], ['b', '2']]);
  });

  it("forgets a deleted job's keys and only that job's", async () => {
    await log.record('job-c', 'k', 1, [['a', '1']]);
    await VersionLog.forget(nc, 'job-c');
    assert.equal((await log.copied('job-c', 'k')).size, 0);
    assert.equal((await log.copied('job-b', 'k')).size, 2);
  });
});
