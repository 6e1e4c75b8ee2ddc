import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

/** Enough for several listing pages of 1,000 on both sides, so the comparison crosses page boundaries. */
const INCREMENTAL_OBJECTS = 2_500;
/** Every 250th object is changed before the third run: one in each page and across its boundaries. */
const CHANGED_EVERY = 250;

function sized(key: string, size: number): SeedObject {
  return { key, body: randomBytes(size) };
}

async function lastModifiedOf(client: S3Client, bucket: string, prefix: string): Promise<Map<string, string>> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return new Map((out.Contents ?? []).map((o) => [o.Key!, o.LastModified!.toISOString()]));
}

/** Waits until the clock has moved past `instant` by more than a second: s3rver's LastModified may be whole seconds. */
async function clockPast(instant: string): Promise<void> {
  await waitFor('clock past ' + instant, async () => (Date.now() > Date.parse(instant) + 1100 ? true : undefined), 5_000, 50);
}

describe('choosing what to copy, end to end (nats-server + s3rver + ferry --target all)', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let s3: S3Client;

  const api = (method: string, path: string, body?: unknown) => rest(ferry.httpPort!, method, path, body);

  async function runJob(definition: Record<string, unknown>, expectedStatus = 'completed', expectedRun = 1) {
    const jobId = definition.job_id as string;
    if (expectedRun === 1) {
      const created = await api('POST', '/admin/batch/jobs', definition);
      assert.equal(created.status, 200, JSON.stringify(created.body));
    }
    const started = await api('POST', `/admin/batch/jobs/${jobId}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const done = await waitForJob(ferry.httpPort!, jobId, `run ${expectedRun} ended`, (body) => body.run === expectedRun && ['completed', 'failed', 'cancelled'].includes(body.status)).catch((err: Error) => {
      const warnings = ferry.logs.filter((l) => l.job_id === jobId && Number(l.level) >= 40);
      throw new Error(`${err.message}; warnings: ${JSON.stringify(warnings.slice(-3))}`);
    });
    assert.equal(done.status, expectedStatus, JSON.stringify(done));
    if (expectedStatus === 'completed') assertExactCounts(done);
    return done;
  }

  function assertExactCounts(view: any): void {
    const p = view.progress;
    assert.equal(p.listing_complete, true, 'listing complete');
    assert.equal((p.completed_objects ?? 0) + (p.skipped_objects ?? 0) + (p.failed_objects ?? 0), p.total_objects, 'completed + skipped + failed == total');
  }

  before(async () => {
    env = await startTestEnv('selection-e2e');
    s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await env?.stop();
  });

  it('keeps only keys under the prefix', async () => {
    await putObjects(s3, 'src', [sized('pre/in/a', 10), sized('pre/in/b', 10), sized('pre/inside', 10), sized('pre/out/c', 10)]);
    await createBucket(s3, 'dst-prefix');
    const done = await runJob({ job_id: 'prefix', source_bucket: 'src', destination_bucket: 'dst-prefix', prefix: 'pre/in/' });
    assert.equal(done.progress.total_objects, 2);
    assert.deepEqual(await listKeys(s3, 'dst-prefix'), ['pre/in/a', 'pre/in/b']);
  });

  it('keeps sizes between min_size and max_size, both inclusive', async () => {
    await putObjects(s3, 'src', [99, 100, 150, 200, 201].map((n) => sized(`size/${n}`, n)));
    await createBucket(s3, 'dst-size');
    const done = await runJob({ job_id: 'size', source_bucket: 'src', destination_bucket: 'dst-size', prefix: 'size/', min_size: 100, max_size: 200 });
    assert.equal(done.progress.total_objects, 3);
    assert.equal(done.progress.total_bytes, 450);
    assert.deepEqual(await listKeys(s3, 'dst-size'), ['size/100', 'size/150', 'size/200']);
  });

  it('keeps LastModified between created_after and created_before, both inclusive', async () => {
    await putObjects(s3, 'src', [sized('date/a-early', 5)]);
    await clockPast((await lastModifiedOf(s3, 'src', 'date/')).get('date/a-early')!);
    await putObjects(s3, 'src', [sized('date/b-first', 5)]);
    await putObjects(s3, 'src', [sized('date/b-last', 5)]);
    const middle = await lastModifiedOf(s3, 'src', 'date/b-');
    await clockPast(middle.get('date/b-last')!);
    await putObjects(s3, 'src', [sized('date/c-late', 5)]);
    await createBucket(s3, 'dst-date');
    const done = await runJob({
      job_id: 'dates',
      source_bucket: 'src',
      destination_bucket: 'dst-date',
      prefix: 'date/',
      // The bounds are exactly the first and last kept objects' LastModified: inclusive.
      created_after: middle.get('date/b-first'),
      created_before: middle.get('date/b-last'),
    });
    assert.equal(done.progress.total_objects, 2);
    assert.deepEqual(await listKeys(s3, 'dst-date'), ['date/b-first', 'date/b-last']);
  });

  // Keys here are never a prefix of one another: s3rver lists `a/x` after `a/x-y` (it sorts file names
  // with a suffix appended), which is not S3's order, and the comparison with the destination refuses that.
  it('keeps objects carrying every listed tag, fetching tags only for objects passing the cheap filters', async () => {
    await putObjects(s3, 'src', [sized('tag/a-prod', 20), sized('tag/b-prod-extra', 20), sized('tag/c-prod-small', 1), sized('tag/d-dev', 20), sized('tag/e-none', 20)]);
    const tag = (key: string, tags: Record<string, string>) =>
      s3.send(new PutObjectTaggingCommand({ Bucket: 'src', Key: key, Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }));
    await tag('tag/a-prod', { env: 'prod' });
    await tag('tag/b-prod-extra', { env: 'prod', team: 'ops' });
    await tag('tag/c-prod-small', { env: 'prod' });
    await tag('tag/d-dev', { env: 'dev' });
    await createBucket(s3, 'dst-tag');
    const done = await runJob({ job_id: 'tags', source_bucket: 'src', destination_bucket: 'dst-tag', prefix: 'tag/', min_size: 10, tags: { env: 'prod' } });
    assert.equal(done.progress.total_objects, 2);
    assert.deepEqual(await listKeys(s3, 'dst-tag'), ['tag/a-prod', 'tag/b-prod-extra']);
  });

  it('refuses to start a job whose source bucket does not exist, with a clear error, instead of running it', async () => {
    const created = await api('POST', '/admin/batch/jobs', { job_id: 'missing', source_bucket: 'no-such-source', destination_bucket: 'dst-prefix' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const started = await api('POST', '/admin/batch/jobs/missing/start');
    assert.equal(started.status, 409, JSON.stringify(started.body));
    assert.match(started.body.error.message, /^source bucket no-such-source at http:\/\/\S+ does not exist: HTTP 404 NoSuchBucket/);
    assert.equal((await api('GET', '/admin/batch/jobs/missing')).body.run ?? 0, 0, 'no run began');
  });

  it('runs again incrementally: an unchanged bucket copies nothing, then only the changed objects are copied', async () => {
    await createBucket(s3, 'inc');
    await createBucket(s3, 'inc-dst');
    const objects = Array.from({ length: INCREMENTAL_OBJECTS }, (_, i) => sized(`inc/${String(i).padStart(5, '0')}`, 64 + (i % 100)));
    await putObjects(s3, 'inc', objects, 32);
    const job = { job_id: 'nightly', source_bucket: 'inc', destination_bucket: 'inc-dst', concurrency: 32 };

    const first = await runJob(job);
    assert.equal(first.progress.completed_objects, INCREMENTAL_OBJECTS);
    assert.equal(first.progress.skipped_objects ?? 0, 0);

    const second = await runJob(job, 'completed', 2);
    assert.equal(second.progress.total_objects, INCREMENTAL_OBJECTS);
    assert.equal(second.progress.completed_objects ?? 0, 0, 'an unchanged bucket copies nothing');
    assert.equal(second.progress.skipped_objects, INCREMENTAL_OBJECTS);

    // Same sizes, new bytes: only the ETag tells them apart.
    const changed = objects.filter((_, i) => i % CHANGED_EVERY === 7).map((o) => sized(o.key, o.body.length));
    assert.equal(changed.length, INCREMENTAL_OBJECTS / CHANGED_EVERY);
    await putObjects(s3, 'inc', changed);
    const third = await runJob(job, 'completed', 3);
    assert.equal(third.progress.total_objects, INCREMENTAL_OBJECTS);
    assert.equal(third.progress.completed_objects, changed.length, 'exactly the changed objects are copied');
    assert.equal(third.progress.skipped_objects, INCREMENTAL_OBJECTS - changed.length);
    for (const o of changed) {
      const copy = await s3.send(new ListObjectsV2Command({ Bucket: 'inc-dst', Prefix: o.key }));
      const original = await s3.send(new ListObjectsV2Command({ Bucket: 'inc', Prefix: o.key }));
      assert.equal(copy.Contents?.[0]?.ETag, original.Contents?.[0]?.ETag, `${o.key} updated at the destination`);
    }
  });
});
