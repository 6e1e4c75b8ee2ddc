import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { STREAMS, subjects } from '../../libs/nats/index.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitForProgress } from '../harness/waitFor.js';

const OBJECTS = 3000;
const MAX_WAITING = 1000;

describe('lister backpressure', () => {
  let env: TestEnv;
  let ferryEnv: FerryEnv;
  const processes: FerryProcess[] = [];

  before(async () => {
    env = await startTestEnv('backpressure', 1);
    const s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    await createBucket(s3, 'dst');
    await putObjects(s3, 'src', Array.from({ length: OBJECTS }, (_, i) => ({ key: `b/${String(i).padStart(5, '0')}`, body: Buffer.from(String(i)) })), 32);
    ferryEnv = {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      // Listed whole (one listing at a time), so it overshoots the limit by one listing page at most.
      extraEnv: { FERRY_MAX_WAITING_ITEMS: String(MAX_WAITING), FERRY_LISTER_SPLIT_RANGES: '1' },
    };
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await env?.stop();
  });

  it('lists no further than the backlog allows until copiers drain it', async () => {
    const control = await startFerry('control', ferryEnv);
    const lister = await startFerry('lister', ferryEnv);
    processes.push(control, lister, await startFerry('projector', ferryEnv));
    assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { job_id: 'big', source_bucket: 'src', destination_bucket: 'dst', checkpoint_interval: 100 })).status, 200);
    assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs/big/start')).status, 200);

    // No copier yet: the lister must stop at the backlog limit and say so.
    await waitForProgress('the lister to wait for copiers', async () => ({
      done: lister.logs.some((l) => l.msg === 'listing waits for copiers to drain the backlog' && l.job_id === 'big') ? true : undefined,
      progress: (await rest(control.httpPort!, 'GET', '/admin/batch/jobs/big')).body.progress?.total_objects,
    }));
    const nc = await connect({ servers: env.nats.url });
    try {
      const info = await (await nc.jetstreamManager()).streams.info(STREAMS.work, { subjects_filter: subjects.work('big', 1) } as never);
      const waiting = info.state.messages;
      assert.ok(waiting >= MAX_WAITING && waiting < MAX_WAITING + 1000, `work items waiting: ${waiting} (limit ${MAX_WAITING}, one listing page over at most)`);
    } finally {
      await nc.close();
    }
    const stalled = (await rest(control.httpPort!, 'GET', '/admin/batch/jobs/big')).body;
    assert.equal(stalled.progress.listing_complete, false);

    processes.push(await startFerry('copier', ferryEnv));
    const done = await waitForJob(control.httpPort!, 'big', 'completed', (body) => body.status === 'completed');
    assert.equal(done.progress.total_objects, OBJECTS);
    assert.equal(done.progress.completed_objects, OBJECTS);
  });
});
