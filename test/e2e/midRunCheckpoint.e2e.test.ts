import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { connect, type NatsConnection, type JetStreamManager } from 'nats';
import { STREAMS, subjects } from '../../libs/nats/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitForProgress } from '../harness/waitFor.js';

const JOB = 'ckpt.bounded';
const OBJECTS = 2500;
/** FERRY_CHECKPOINT_OUTCOMES: a running run is checkpointed every this many objects. */
const EVERY = 200;
/** Most outcome batches the subject may hold at once: one checkpoint's worth, plus what arrives while it is written and purged. */
const BOUND = 2 * EVERY + 100;

/**
 * A store bounded by a setting, not by the run: with ferry.events.checkpoint_outcomes small, a running
 * run's outcome batches are checkpointed and purged as it goes, yet its counts are exact, its failures
 * (kept with each checkpoint) all reported, retry-failed copies them, and a projector rebuilt from the
 * first event folds the same views.
 */
describe('mid-run checkpoints of a running run\'s outcomes', () => {
  let env: TestEnv;
  let proxy: FaultProxy;
  let ferryEnv: FerryEnv;
  let control: FerryProcess;
  let projector: FerryProcess;
  const others: FerryProcess[] = [];
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const keys = Array.from({ length: OBJECTS }, (_, i) => `o/${String(i).padStart(5, '0')}`);
  const corrupted = new Set(keys.filter((_, i) => i % 97 === 13));

  before(async () => {
    env = await startTestEnv('mid-run-checkpoint');
    const s3 = testS3Client(env.s3[0]!.endpoint);
    for (const b of ['src', 'dst']) await createBucket(s3, b);
    await putObjects(s3, 'src', keys.map((key, i) => ({ key, body: Buffer.alloc(64 + (i % 32), i % 251) })));
    // Corrupted bodies on the way to the destination: checksum mismatches, final at once (max_retries 0).
    proxy = await startFaultProxy(env.s3[0]!.endpoint, { corruptBodies: true, corruptObjectsOnly: true, corruptKeys: (key) => corrupted.has(key) });
    ferryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry'), extraEnv: { FERRY_CHECKPOINT_OUTCOMES: String(EVERY) } };
    control = await startFerry('control', ferryEnv);
    projector = await startFerry('projector', ferryEnv);
    others.push(await startFerry('lister', ferryEnv));
    others.push(await startFerry('copier', ferryEnv));
    nc = await connect({ servers: env.nats.url });
    jsm = await nc.jetstreamManager();
  });

  after(async () => {
    await nc?.close();
    for (const p of [...others, projector, control]) await p?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  const port = () => control.httpPort!;
  const post = async (path: string, body?: unknown) => {
    const res = await rest(port(), 'POST', path, body);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const outcomeMessages = async () => {
    const subject = subjects.outcome(JOB);
    const info = await jsm.streams.info(STREAMS.events, { subjects_filter: subject } as never);
    return info.state.subjects?.[subject] ?? 0;
  };
  const failedKeys = async () => {
    const res = await rest(port(), 'GET', `/admin/batch/jobs/${JOB}/failed?page_size=1000`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.failed_objects as Array<{ key: string; run: number }>).map((o) => o.key).sort();
  };
  const views = async () => ({
    view: (await rest(port(), 'GET', `/admin/batch/jobs/${JOB}`)).body,
    history: (await rest(port(), 'GET', `/admin/batch/jobs/${JOB}/history?page_size=1000`)).body,
    failed: await failedKeys(),
  });
  const purges = (p = projector) => p.logs.filter((l) => l.msg === 'checkpointed outcomes purged');
  /** Where each checkpoint a projector wrote took its failures from: the projection's fold, or the batches read back. */
  const failuresFrom = (p: FerryProcess) => p.logs.filter((l) => l.msg === 'run outcomes checkpointed').map((l) => l.failures_from);

  it('keeps the outcome subject bounded mid-run, with exact counts, every failure, retry-failed and a rebuild that matches', async (t) => {
    // Every batch published on the subject, seen as it goes by: what the subject would hold without checkpoints.
    let published = 0;
    const counting = nc.subscribe(subjects.outcome(JOB), { callback: () => published++ });
    await post('/admin/batch/jobs', {
      job_id: JOB,
      source_bucket: 'src',
      destination_bucket: 'dst',
      concurrency: 4,
      max_retries: 0,
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    });
    await post(`/admin/batch/jobs/${JOB}/start`);

    let most = 0;
    let midRun: { failed: string[]; viewFailed: number; purged: number } | undefined;
    const first = projector;
    let resumed: FerryProcess | undefined;
    const ended = await waitForProgress('run 1 ended', async () => {
      const before = (await rest(port(), 'GET', `/admin/batch/jobs/${JOB}`)).body;
      most = Math.max(most, await outcomeMessages());
      // Once batches were purged mid-run, the failures so far are still all reported (kept with the checkpoints).
      if (!midRun && before.status === 'running' && purges().length > 0) {
        midRun = { failed: await failedKeys(), viewFailed: Number(before.progress.failed_objects), purged: purges().length };
        // A projector resumed from its snapshot does not know the failures since the last checkpoint: its first checkpoint reads them back from the batches.
        await projector.stop();
        projector = resumed = await startFerry('projector', ferryEnv);
      } else if (resumed && projector === resumed && before.status === 'running' && failuresFrom(resumed).length >= 2) {
        // A projector rebuilt mid-run folds the checkpoint in place of the purged batches, then the rest: the final counts below are exact only if it neither lost nor double-counted.
        await projector.stop();
        projector = await startFerry('projector', { ...ferryEnv, args: ['--rebuild'] });
      }
      const done = before.status !== 'running' && before.status !== 'pending' ? before : undefined;
      return { done, progress: before.progress };
    });
    counting.unsubscribe();
    const checkpoints = projector.logs.filter((l) => l.msg === 'run outcomes checkpointed').length;
    const raced = projector.logs.filter((l) => l.msg === 'reconcile action failed; will retry' && String(l.action).startsWith('checkpoint:')).length;
    t.diagnostic(`outcome subject peak ${most} messages, ${published} published; failures taken from: first projector ${failuresFrom(first).join(',')}; resumed ${resumed ? failuresFrom(resumed).join(',') : '-'}; rebuilt ${failuresFrom(projector).join(',')} (${raced} given up for a later reconcile), ${purges().length} purges`);

    assert.ok(midRun, 'batches were purged while the run was running');
    assert.ok(failuresFrom(first).length > 0 && failuresFrom(first).every((from) => from === 'projection'), 'a projector that folded the run from its start holds the failures itself');
    assert.ok(resumed, 'a projector was resumed from its snapshot mid-run');
    const [afterResume, ...later] = failuresFrom(resumed);
    assert.equal(afterResume, 'batches', 'the first checkpoint after a resume from a snapshot reads the failures back');
    assert.ok(later.length > 0 && later.every((from) => from === 'projection'), 'once its own checkpoint is folded it holds them again');
    assert.ok(projector !== resumed, 'a projector was rebuilt mid-run');
    assert.ok(checkpoints > 0, 'the rebuilt projector checkpointed the run further');
    assert.ok(failuresFrom(projector).every((from) => from === 'projection'), 'a rebuild folds the run from its start');
    assert.ok(midRun.failed.length >= midRun.viewFailed, `mid-run /failed lists ${midRun.failed.length}, the view counted ${midRun.viewFailed} before`);
    assert.ok(midRun.failed.every((k) => corrupted.has(k)), 'mid-run /failed lists only failed keys');
    assert.ok(most <= BOUND, `the outcome subject held at most ${most} messages (bound ${BOUND}) of ${published} published`);
    assert.ok(published > BOUND, `the run published ${published} batches: without checkpoints the subject would pass the bound`);

    assert.equal(ended.status, 'failed', 'a run with failures ends failed');
    assert.equal(Number(ended.progress.total_objects), OBJECTS);
    assert.equal(Number(ended.progress.failed_objects), corrupted.size);
    assert.equal(Number(ended.progress.completed_objects) + Number(ended.progress.skipped_objects), OBJECTS - corrupted.size);
    assert.deepEqual(await failedKeys(), [...corrupted].sort(), 'every failure, kept ones and later ones, once each');
    const errors = await rest(port(), 'GET', `/admin/batch/jobs/${JOB}/errors?page_size=100`);
    assert.deepEqual(
      (errors.body.errors as Array<{ key: string }>).map((e) => e.key).sort(),
      [...corrupted].sort(),
      '/errors lists every final failure',
    );

    // The end-of-run compaction writes the kept failures with those since the last checkpoint.
    const compacted = await waitForJob(port(), JOB, 'run 1 compacted', (v) => v.runs?.[0]?.outcomes_compacted === true);
    assert.deepEqual(compacted.progress, ended.progress);
    assert.equal(projector.logs.find((l) => l.msg === 'run outcomes compacted')?.failures_from, 'projection', 'the compaction added the failures the projection held since the last checkpoint to the kept ones');
    assert.equal(await outcomeMessages(), 0, 'every outcome batch of the ended run is purged');
    assert.deepEqual(await failedKeys(), [...corrupted].sort(), 'the run\'s summary has every failure');

    // A projector rebuilt from the first event folds the same views (checkpoints in place of purged batches).
    const live = await views();
    await projector.stop();
    projector = await startFerry('projector', { ...ferryEnv, args: ['--rebuild'] });
    await waitForProgress('rebuild caught up', async () => ({ done: projector.logs.some((l) => l.msg === 'projector caught up') ? true : undefined, progress: projector.logs.length }));
    assert.equal(projector.logs.find((l) => l.msg === 'projector starting')!.from_seq, 1);
    assert.deepEqual(await views(), live);

    // retry-failed copies exactly the failures, read from the run's summary.
    proxy.setFaults({ corruptBodies: false });
    await post(`/admin/batch/jobs/${JOB}/retry-failed`);
    const retried = await waitForJob(port(), JOB, 'run 2 completed', (v) => Number(v.run) === 2 && v.status === 'completed');
    assert.equal(Number(retried.progress.total_objects), corrupted.size);
    assert.equal(Number(retried.progress.completed_objects), corrupted.size);
    assert.deepEqual(await failedKeys(), []);
  });
});
