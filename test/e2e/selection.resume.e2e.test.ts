import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const OBJECTS = 2000;
const CHECKPOINT_INTERVAL = 100;
const keyOf = (i: number) => `obj/${String(i).padStart(5, '0')}`;
/** Every fourth object carries no tag and is never selected, so never counted. */
const isTagged = (i: number) => i % 4 !== 0;

describe('listing resumes from its checkpoint after the lister is killed (separate ferry processes)', () => {
  let env: TestEnv;
  let s3: S3Client;
  let proxy: FaultProxy;
  const ferries: FerryProcess[] = [];
  let control: FerryProcess;
  /** The lister left running by a test, for the next to stop. */
  let runningLister: FerryProcess | undefined;

  before(async () => {
    env = await startTestEnv('selection-resume');
    s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    await createBucket(s3, 'dst');
    const keys = Array.from({ length: OBJECTS }, (_, i) => i);
    await putObjects(s3, 'src', keys.map((i) => ({ key: keyOf(i), body: Buffer.from(`object ${i}`) })), 32);
    let next = 0;
    const tagger = async () => {
      while (next < OBJECTS) {
        const i = next++;
        if (isTagged(i)) await s3.send(new PutObjectTaggingCommand({ Bucket: 'src', Key: keyOf(i), Tagging: { TagSet: [{ Key: 'keep', Value: 'yes' }] } }));
      }
    };
    await Promise.all(Array.from({ length: 32 }, tagger));
    // Only the lister goes through the proxy: its latency makes the listing (one tag request per object) last seconds.
    proxy = await startFaultProxy(env.s3[0]!.endpoint, { latencyMs: 40 });
    const base: FerryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') };
    control = await startFerry('control', base);
    ferries.push(control, await startFerry('projector', base), await startFerry('copier', base));
  });

  after(async () => {
    for (const f of ferries.reverse()) await f.stop();
    await proxy?.stop();
    await env?.stop();
  });

  it('kills the lister mid-listing; the restarted one resumes after the checkpoint, counting every object once', async () => {
    // Listed whole: this is the run's own checkpoint; ranges resume from theirs in parallelListing.e2e.test.ts.
    const proxied: FerryEnv = { natsUrl: env.nats.url, sourceEndpoint: proxy.endpoint, dataDir: join(env.dir, 'ferry'), extraEnv: { FERRY_LISTER_SPLIT_RANGES: '1' } };
    const firstLister = await startFerry('lister', proxied);
    ferries.push(firstLister);
    const api = (method: string, path: string, body?: unknown) => rest(control.httpPort!, method, path, body);
    const created = await api('POST', '/admin/batch/jobs', {
      job_id: 'resume',
      source_bucket: 'src',
      destination_bucket: 'dst',
      tags: { keep: 'yes' },
      checkpoint_interval: CHECKPOINT_INTERVAL,
      concurrency: 32,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await api('POST', '/admin/batch/jobs/resume/start')).status, 200);

    const totalsWhileListing: number[] = [];
    const view = async () => (await api('GET', '/admin/batch/jobs/resume')).body;
    await waitForJob(
      control.httpPort!,
      'resume',
      'a few checkpoints',
      ({ progress }) => {
        assert.equal(progress.listing_complete, false, 'listing must still be running when the lister is killed');
        if (progress.total_objects > 0) totalsWhileListing.push(progress.total_objects);
        return progress.total_objects >= 3 * CHECKPOINT_INTERVAL;
      },
      { intervalMs: 50 },
    );
    await firstLister.kill();
    const killedAt = (await view()).progress;
    assert.equal(killedAt.listing_complete, false);

    const requestsBeforeRestart = proxy.requestLog().length;
    const secondLister = await startFerry('lister', proxied);
    ferries.push(secondLister);
    runningLister = secondLister;

    const done = await waitForJob(control.httpPort!, 'resume', 'job completed', (body) => {
      if (body.status === 'failed') throw new Error(JSON.stringify(body));
      if (!body.progress.listing_complete) totalsWhileListing.push(body.progress.total_objects);
      return body.status === 'completed';
    });
    const selected = Array.from({ length: OBJECTS }, (_, i) => i).filter(isTagged).map(keyOf);
    assert.equal(done.progress.listing_complete, true);
    assert.equal(done.progress.total_objects, selected.length, 'untagged objects are never counted');
    assert.equal(done.progress.completed_objects, selected.length);
    assert.equal(done.progress.completed_objects + (done.progress.skipped_objects ?? 0) + (done.progress.failed_objects ?? 0), done.progress.total_objects);
    assert.ok(new Set(totalsWhileListing).size >= 2, `total grows while listing: ${totalsWhileListing.join(',')}`);
    assert.deepEqual(totalsWhileListing, [...totalsWhileListing].sort((a, b) => a - b), 'total never shrinks');
    assert.deepEqual(await listKeys(s3, 'dst'), selected, 'every selected object copied, nothing else');

    // The restarted lister began from the last checkpoint, not from the start.
    const resumed = secondLister.logs.find((l) => l.msg === 'listing started' && l.job_id === 'resume');
    assert.ok(resumed, 'the restarted lister took the task');
    const listedAtResume = Number(resumed.listed_objects);
    assert.ok(listedAtResume >= 3 * CHECKPOINT_INTERVAL && listedAtResume % CHECKPOINT_INTERVAL === 0, `resumed at ${listedAtResume}`);
    assert.equal(resumed.start_after, selected[listedAtResume - 1], 'the checkpoint names the last listed key');
    assert.ok(firstLister.logs.some((l) => l.msg === 'listing started' && l.listed_objects === 0));

    const after = proxy.requestLog().slice(requestsBeforeRestart).map((line) => new URL(line.split(' ')[1]!, 'http://x'));
    const sourceLists = after.filter((u) => /^\/src\/?$/.test(u.pathname) && u.searchParams.get('list-type') === '2');
    assert.ok(sourceLists.length >= 1, `a source listing after the restart: ${proxy.requestLog().slice(requestsBeforeRestart, requestsBeforeRestart + 3).join(' | ')}`);
    assert.equal(sourceLists[0]!.searchParams.get('start-after'), resumed.start_after, 'the source listing restarts after the checkpoint');
    const tagFetches = after.filter((u) => /^\/src\/./.test(u.pathname) && u.searchParams.has('tagging'));
    const remaining = OBJECTS - (Number(String(resumed.start_after).slice(4)) + 1);
    assert.equal(tagFetches.length, remaining, 'objects before the checkpoint are not fetched again');
  });
  it('kills the lister mid-manifest; the restarted one reads on after the rows its checkpoint recorded, counting every object once', async () => {
    await runningLister?.stop();
    await createBucket(s3, 'lists');
    await createBucket(s3, 'dst-manifest');
    const rows = Array.from({ length: OBJECTS }, (_, i) => `src,${keyOf(i)}`).join('\n');
    await putObjects(s3, 'lists', [{ key: 'all.csv', body: Buffer.from(rows) }]);
    const proxied: FerryEnv = { natsUrl: env.nats.url, sourceEndpoint: proxy.endpoint, dataDir: join(env.dir, 'ferry') };
    const firstLister = await startFerry('lister', proxied);
    ferries.push(firstLister);
    const api = (method: string, path: string, body?: unknown) => rest(control.httpPort!, method, path, body);
    const created = await api('POST', '/admin/batch/jobs', {
      job_id: 'resume-manifest',
      source_bucket: 'src',
      destination_bucket: 'dst-manifest',
      manifest: { bucket: 'lists', key: 'all.csv' },
      tags: { keep: 'yes' },
      checkpoint_interval: CHECKPOINT_INTERVAL,
      concurrency: 32,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await api('POST', '/admin/batch/jobs/resume-manifest/start')).status, 200);
    await waitForJob(control.httpPort!, 'resume-manifest', 'a few checkpoints', ({ progress }) => {
      assert.equal(progress.listing_complete, false, 'listing must still be running when the lister is killed');
      return progress.total_objects >= 3 * CHECKPOINT_INTERVAL;
    }, { intervalMs: 50 });
    await firstLister.kill();

    const requestsBeforeRestart = proxy.requestLog().length;
    const secondLister = await startFerry('lister', proxied);
    ferries.push(secondLister);
    const done = await waitForJob(control.httpPort!, 'resume-manifest', 'job completed', (body) => {
      if (body.status === 'failed') throw new Error(JSON.stringify(body));
      return body.status === 'completed';
    });
    const selected = Array.from({ length: OBJECTS }, (_, i) => i).filter(isTagged).map(keyOf);
    assert.equal(done.progress.total_objects, selected.length, 'untagged objects are never counted');
    assert.equal(done.progress.completed_objects, selected.length);
    assert.deepEqual(await listKeys(s3, 'dst-manifest'), selected, 'every selected object copied, nothing else');

    const resumed = secondLister.logs.find((l) => l.msg === 'listing started' && l.job_id === 'resume-manifest');
    assert.ok(resumed, 'the restarted lister took the task');
    const listedAtResume = Number(resumed.listed_objects);
    assert.ok(listedAtResume >= 3 * CHECKPOINT_INTERVAL && listedAtResume % CHECKPOINT_INTERVAL === 0, `resumed at ${listedAtResume}`);
    // The checkpoint's last object is the manifest's row manifest_rows (rows count from 1).
    assert.equal(resumed.start_after, keyOf(Number(resumed.manifest_rows) - 1), 'the checkpoint names the row of its last object');
    const after = proxy.requestLog().slice(requestsBeforeRestart).map((line) => new URL(line.split(' ')[1]!, 'http://x'));
    const sourceTagFetches = after.filter((u) => /^\/src\/./.test(u.pathname) && u.searchParams.has('tagging'));
    assert.equal(sourceTagFetches.length, OBJECTS - Number(resumed.manifest_rows), 'rows before the checkpoint are not read again');
  });
});
