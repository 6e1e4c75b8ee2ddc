import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, viewOnceCompacted, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const OBJECTS = 2000;

describe('projector killed mid-job', () => {
  let env: TestEnv;
  let ferryEnv: FerryEnv;
  let control: FerryProcess;
  let projector: FerryProcess;
  const others: FerryProcess[] = [];

  before(async () => {
    env = await startTestEnv('projector-kill');
    const s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    await createBucket(s3, 'dst');
    await putObjects(s3, 'src', Array.from({ length: OBJECTS }, (_, i) => ({ key: `o/${i}`, body: Buffer.from(`object ${i}`) })), 32);
    ferryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') };
    control = await startFerry('control', ferryEnv);
    projector = await startFerry('projector', ferryEnv);
    // One at a time, so a process that did start is stopped even when the next one fails to.
    others.push(await startFerry('lister', ferryEnv));
    others.push(await startFerry('copier', ferryEnv));
  });

  after(async () => {
    for (const p of [...others, projector, control]) await p?.stop();
    await env?.stop();
  });

  it('completes with exact counts after SIGKILLs of the projector', async () => {
    const port = control.httpPort!;
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'kill-job', source_bucket: 'src', destination_bucket: 'dst', concurrency: 4 })).status, 200);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/kill-job/start')).status, 200);

    let overCounted: unknown;
    const progressAtLeast = (share: number) =>
      waitForJob(port, 'kill-job', `completed >= ${share * OBJECTS}`, (body) => {
        const p = body.progress;
        if (Number(p.completed_objects) + Number(p.skipped_objects) + Number(p.failed_objects) > OBJECTS) overCounted ??= p;
        return Number(p.completed_objects) >= share * OBJECTS;
      }, { intervalMs: 50 });

    for (const share of [0.2, 0.5]) {
      const seen = await progressAtLeast(share);
      assert.equal(seen.status, 'running', `the run is still going when the projector is killed at ${share}`);
      await projector.kill();
      projector = await startFerry('projector', ferryEnv);
    }

    const done = await waitForJob(port, 'kill-job', 'completed', (body) => {
      if (Number(body.progress.completed_objects) > OBJECTS) overCounted ??= body.progress;
      return body.status === 'completed' || body.status === 'failed';
    });
    assert.equal(overCounted, undefined, 'never counted more objects than listed');
    assert.equal(done.status, 'completed');
    assert.equal(Number(done.progress.total_objects), OBJECTS);
    assert.equal(Number(done.progress.completed_objects), OBJECTS);
    assert.equal(Number(done.progress.failed_objects) + Number(done.progress.skipped_objects), 0);
    assert.equal(done.runs.length, 1);
    assert.equal(Number(done.runs[0].counts.completed_objects), OBJECTS);
    assert.equal((await listKeys(testS3Client(env.s3[0]!.endpoint), 'dst')).length, OBJECTS);

    // Compaction appends the run's last event after it ended: compare once the log is at rest.
    const settled = await viewOnceCompacted(port, 'kill-job');
    const history = await rest(port, 'GET', '/admin/batch/jobs/kill-job/history?page_size=1000');
    const types = history.body.events.map((e: { type: string }) => e.type);
    assert.equal(types.filter((t: string) => t === 'RunCompleted').length, 1, 'the run ended exactly once');
    // By time, not by the last job event's sequence: the compaction record is on the job's summary subject.
    const folded = await rest(port, 'GET', `/admin/batch/jobs/kill-job/as-of?as_of=${encodeURIComponent(new Date().toISOString())}`);
    assert.deepEqual(folded.body, settled, 'the restarted projector reaches the state a fresh fold of the log gives');
  });
});
