import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

const OBJECTS = 2500;
const ALREADY_COPIED = 300;
const RANGES = 4;
const keyOf = (i: number) => `flat-${String(i).padStart(5, '0')}`;

interface HistoryEvent {
  type: string;
  time: string;
  run: number;
  details_json: string;
}

describe('a large job listed in ranges by several listers', () => {
  let env: TestEnv;
  let ferryEnv: FerryEnv;
  const processes: FerryProcess[] = [];

  before(async () => {
    env = await startTestEnv('parallel-listing', 1);
    const s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    await createBucket(s3, 'dst');
    const objects = Array.from({ length: OBJECTS }, (_, i) => ({ key: keyOf(i), body: Buffer.from(`object ${i}`) }));
    await putObjects(s3, 'src', objects, 32);
    // Identical already: spread over the key space, so several ranges skip some.
    await putObjects(s3, 'dst', objects.filter((_, i) => i % Math.floor(OBJECTS / ALREADY_COPIED) === 0).slice(0, ALREADY_COPIED), 32);
    ferryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry'), extraEnv: { FERRY_LISTER_SPLIT_RANGES: String(RANGES), FERRY_LISTER_SPLIT_MIN_PAGES: '1' } };
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await env?.stop();
  });

  it('splits the listing, survives a lister killed mid-range, and counts every object once', async () => {
    const control = await startFerry('control', ferryEnv);
    const firstLister = await startFerry('lister', ferryEnv);
    processes.push(control, firstLister, await startFerry('projector', ferryEnv));
    const port = control.httpPort!;
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'wide', source_bucket: 'src', destination_bucket: 'dst', checkpoint_interval: 100 })).status, 200);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/wide/start')).status, 200);

    // No copier yet, so the work waits; kill the lister once a range has checkpointed, before any range ended.
    const history = async () => (await rest(port, 'GET', '/admin/batch/jobs/wide/history?page_size=1000')).body.events as HistoryEvent[];
    await waitFor('a range to checkpoint', async () => ((await history()).some((e) => e.type === 'ListingCheckpointed' && JSON.parse(e.details_json).range) ? true : undefined));
    await firstLister.kill();
    // Copies made in the run's first second are not told apart from an earlier run's (mayBeThisRunsCopy): the copier starts after it.
    const started = Date.parse((await history()).find((e) => e.type === 'RunStarted')!.time);
    await waitFor("the run's first second to pass", async () => (Date.now() >= (Math.floor(started / 1000) + 1) * 1000 ? true : undefined));
    processes.push(await startFerry('lister', ferryEnv), await startFerry('lister', ferryEnv), await startFerry('copier', ferryEnv));

    const done = await waitForJob(port, 'wide', 'completed', (view) => view.status === 'completed');
    assert.equal(done.progress.total_objects, OBJECTS);
    assert.equal(done.progress.skipped_objects, ALREADY_COPIED);
    assert.equal(done.progress.completed_objects, OBJECTS - ALREADY_COPIED);
    assert.equal(done.progress.failed_objects, 0);
    assert.deepEqual(await listKeys(testS3Client(env.s3[0]!.endpoint), 'dst'), Array.from({ length: OBJECTS }, (_, i) => keyOf(i)));

    const events = await history();
    const split = events.filter((e) => e.type === 'ListingSplit');
    assert.equal(split.length, 1);
    assert.equal(JSON.parse(split[0]!.details_json).boundaries.length, RANGES - 1);
    const ranges = events.filter((e) => e.type === 'ListingRangeCompleted').map((e) => JSON.parse(e.details_json).range as { index: number; listed_objects: number });
    assert.deepEqual(ranges.map((r) => r.index).sort(), [0, 1, 2, 3]);
    assert.equal(ranges.reduce((sum, r) => sum + r.listed_objects, 0), OBJECTS);
    assert.ok(ranges.every((r) => r.listed_objects > 0), `objects per range: ${ranges.map((r) => r.listed_objects).join()}`);
  });
});
