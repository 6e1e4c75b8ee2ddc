import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import type { JobView } from '../../libs/domain/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { ReadModel, ReadModelCopy } from '../../libs/nats/index.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';
import { waitFor } from '../harness/waitFor.js';

const view = (jobId: string, status: JobView['status'], updatedSeq: number) => ({ job_id: jobId, status, updated_seq: updatedSeq }) as JobView;

/** Control's in-memory read model: loaded whole before it answers, kept current by its watch, and given up when the watch ends. */
describe('the read model copy', () => {
  let jetStream: JetStreamEnv;
  let readModel: ReadModel;
  const log = createLogger('silent');

  before(async () => {
    jetStream = await startJetStream('read-model-copy');
    readModel = await ReadModel.open(jetStream.nc);
  });
  after(async () => {
    await jetStream?.stop();
  });

  it('holds every view the bucket held when it opened, then follows puts and removals', async () => {
    // Rewritten many times before the copy opens: only the last value counts.
    for (let seq = 1; seq <= 50; seq++) await readModel.put('job.a', view('job.a', 'running', seq));
    await readModel.put('b', view('b', 'pending', 1));
    await readModel.put('gone', view('gone', 'pending', 1));
    await readModel.remove('gone');

    const copy = await ReadModelCopy.open(readModel, log);
    try {
      assert.equal(copy.complete, true);
      assert.deepEqual(copy.get('job.a'), view('job.a', 'running', 50));
      const jobIds = () => copy.all()?.map((v) => v.job_id).sort();
      assert.deepEqual(jobIds(), ['b', 'job.a']);
      assert.equal(copy.get('gone'), undefined);

      await readModel.put('job.a', view('job.a', 'completed', 51));
      await readModel.remove('b');
      await readModel.put('c', view('c', 'pending', 1));
      await waitFor('the copy to follow the bucket', async () => (copy.get('c') && copy.get('job.a')?.status === 'completed' && !copy.get('b') ? true : undefined));
      assert.deepEqual(jobIds(), ['c', 'job.a']);
    } finally {
      copy.stop();
    }
  });

  it('tells its followers each change with the view before and after, from the start of the load on', async () => {
    await readModel.put('d', view('d', 'pending', 1));
    const copy = await ReadModelCopy.open(readModel, log);
    try {
      const changes: Array<[string, number | undefined, number | undefined]> = [];
      const follower = copy.onChange((jobId, before, after) => changes.push([jobId, before?.updated_seq, after?.updated_seq]));
      assert.ok(copy.held().some((v) => v.job_id === 'd'));
      await readModel.put('d', view('d', 'running', 2));
      await readModel.remove('d');
      await readModel.put('e', view('e', 'pending', 1));
      await waitFor('the follower to see the last change', async () => (changes.some(([jobId]) => jobId === 'e') ? true : undefined));
      assert.deepEqual(changes, [
        ['d', 1, 2],
        ['d', 2, undefined],
        ['e', undefined, 1],
      ]);
      follower.stop();
      await readModel.put('e', view('e', 'running', 2));
      await waitFor('the copy to follow', async () => (copy.get('e')?.updated_seq === 2 ? true : undefined));
      assert.equal(changes.length, 3, 'a stopped follower hears nothing more');
    } finally {
      copy.stop();
    }
  });

  it('answers nothing once its watch has ended, so that readers ask the bucket', async () => {
    const nc = await connect({ servers: jetStream.nats.url });
    const copy = await ReadModelCopy.open(await ReadModel.open(nc), log);
    assert.equal(copy.complete, true);
    assert.ok(copy.get('job.a'));
    await nc.close();
    await waitFor('the copy to give up', async () => (copy.complete ? undefined : true));
    assert.equal(copy.get('job.a'), undefined);
    assert.equal(copy.all(), undefined);
  });
});
