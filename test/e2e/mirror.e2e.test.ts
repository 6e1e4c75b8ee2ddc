import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { waitFor } from '../harness/waitFor.js';
import { scrapeMetrics } from '../harness/metricsText.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { readReport } from '../harness/reportFiles.js';

const body = (text: string) => Buffer.from(text);

/** delete_extraneous over s3rver: what a mirror run deletes, and the safeguards that make it delete nothing. */
describe('mirror mode (delete_extraneous)', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let s3: S3Client;
  let proxy: FaultProxy;
  const port = () => ferry.httpPort!;
  // DeleteObjects requests to the proxied destination; the second waits for `releaseSecond`.
  let deleteRequests = 0;
  let releaseSecond: () => void = () => {};
  const secondHeld = new Promise<void>((resolve) => (releaseSecond = resolve));

  before(async () => {
    env = await startTestEnv('mirror', 1);
    s3 = testS3Client(env.s3[0]!.endpoint);
    for (const bucket of ['src', 'dst', 'reports']) await createBucket(s3, bucket);
    proxy = await startFaultProxy(env.s3[0]!.endpoint, {}, {
      authorize: async (req) => {
        if (req.method === 'POST' && /\?delete(=|&|$)/.test(req.url ?? '') && ++deleteRequests === 2) await secondHeld;
        return undefined;
      },
    });
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    releaseSecond();
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  const job = (job_id: string, prefix: string, extra: Record<string, unknown> = {}) => ({ job_id, source_bucket: 'src', destination_bucket: 'dst', prefix, delete_extraneous: true, ...extra });

  async function runToEnd(spec: Record<string, unknown>): Promise<any> {
    const created = await rest(port(), 'POST', '/admin/batch/jobs', spec);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port(), 'POST', `/admin/batch/jobs/${spec.job_id}/start`)).status, 200);
    return waitForJob(port(), spec.job_id as string, 'ended', (j) => j.status === 'completed' || j.status === 'failed');
  }

  it('dry run lists what would be deleted, then the run deletes exactly the extraneous objects inside the selection', async () => {
    await putObjects(s3, 'src', [
      { key: 'm/keep-1', body: body('source one') },
      { key: 'm/keep-2', body: body('source two') },
      { key: 'outside/s', body: body('not in the prefix') },
    ]);
    await putObjects(s3, 'dst', [
      { key: 'm/keep-1', body: body('stale copy') },
      { key: 'm/gone-a', body: body('deleted at the source a') },
      { key: 'm/gone-b', body: body('deleted at the source b') },
      { key: 'm/gone-c', body: body('deleted at the source c') },
      // Smaller than min_size: the job would never have copied it, so it never deletes it.
      { key: 'm/tiny', body: body('x') },
      { key: 'outside/d', body: body('outside the prefix, never touched') },
    ]);
    const spec = job('mirror', 'm/', { min_size: 5, report: { bucket: 'reports', scope: 'all' } });
    const dry = await rest(port(), 'POST', '/admin/batch/jobs', { ...spec, dry_run: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    const preview = dry.body.runs[0].delete_phase;
    assert.equal(preview.status, 'would_delete');
    assert.deepEqual(preview.keys, ['m/gone-a', 'm/gone-b', 'm/gone-c']);
    assert.equal(preview.candidates, 3);
    assert.equal(preview.candidate_bytes, 3 * 'deleted at the source a'.length);
    assert.equal(preview.destination_objects, 4, 'm/keep-1 and the three extraneous ones: m/tiny is outside the selection');
    assert.equal(dry.body.runs[0].counts.deleted_objects, 3);
    assert.deepEqual(await listKeys(s3, 'dst'), ['m/gone-a', 'm/gone-b', 'm/gone-c', 'm/keep-1', 'm/tiny', 'outside/d'], 'a dry run deletes nothing');

    const view = await runToEnd(spec);
    assert.equal(view.status, 'completed', JSON.stringify(view));
    assert.deepEqual(await listKeys(s3, 'dst'), ['m/keep-1', 'm/keep-2', 'm/tiny', 'outside/d']);
    assert.equal(view.progress.deleted_objects, 3);
    assert.equal(view.progress.deleted_bytes, 3 * 'deleted at the source a'.length);
    assert.equal(view.runs[0].counts.deleted_objects, 3);
    assert.equal(view.runs[0].delete_phase.status, 'completed');
    assert.equal(view.progress.completed_objects, 2);
    assert.equal((await scrapeMetrics(port())).get('ferry_job_objects_deleted{job_id="mirror"}'), 3);

    const history = await rest(port(), 'GET', '/admin/batch/jobs/mirror/history');
    const types: string[] = history.body.events.map((e: { type: string }) => e.type);
    const deletions = history.body.events.filter((e: { type: string }) => e.type === 'ObjectsDeleted');
    assert.deepEqual(deletions.flatMap((e: { details_json: string }) => JSON.parse(e.details_json).objects.map((o: { key: string }) => o.key)), ['m/gone-a', 'm/gone-b', 'm/gone-c']);
    assert.ok(types.indexOf('ListingCompleted') < types.indexOf('DeletionPlanned'), types.join());
    assert.ok(types.indexOf('DeletionCompleted') < types.indexOf('RunCompleted'), types.join());

    // The completion report shows each deletion, in the destination bucket, beside the copies.
    const reported = await waitForJob(port(), 'mirror', 'report written', (j) => j.runs[0].report_location !== undefined);
    const { rows } = await readReport(s3, reported.runs[0].report_location);
    const deletedRows = rows.filter((r) => r.status === 'deleted');
    assert.deepEqual(deletedRows.map((r) => [r.bucket, r.key]), [['dst', 'm/gone-a'], ['dst', 'm/gone-b'], ['dst', 'm/gone-c']]);
    assert.deepEqual(rows.filter((r) => r.status === 'copied').map((r) => r.key).sort(), ['m/keep-1', 'm/keep-2']);
  });

  it('max_delete exceeded: the run fails naming max_delete and the counts, and nothing is deleted', async () => {
    await putObjects(s3, 'src', [{ key: 'x/kept', body: body('k') }]);
    await putObjects(s3, 'dst', ['x/1', 'x/2', 'x/3', 'x/kept'].map((key) => ({ key, body: body(key) })));
    const dry = await rest(port(), 'POST', '/admin/batch/jobs', { ...job('capped', 'x/', { max_delete: '50%' }), dry_run: true });
    assert.equal(dry.body.runs[0].delete_phase.status, 'would_stop');
    assert.match(dry.body.runs[0].delete_phase.note, /max_delete exceeded: 3 of 4/);

    const view = await runToEnd(job('capped', 'x/', { max_delete: '2' }));
    assert.equal(view.status, 'failed');
    assert.equal(view.error, 'max_delete exceeded: 3 of 4 destination objects in the selection would be deleted, more than max_delete 2 (2); nothing was deleted');
    assert.equal(view.runs[0].delete_phase.status, 'stopped');
    assert.equal(view.progress.deleted_objects ?? 0, 0);
    assert.deepEqual(await listKeys(s3, 'dst', 'x/'), ['x/1', 'x/2', 'x/3', 'x/kept']);
  });

  it('an empty source listing deletes nothing and says why, unless allow_empty_source', async () => {
    await putObjects(s3, 'dst', ['e/1', 'e/2'].map((key) => ({ key, body: body(key) })));
    const kept = await runToEnd(job('empty', 'e/'));
    assert.equal(kept.status, 'completed');
    assert.match(kept.runs[0].delete_phase.note, /the source listing was empty, so the 2 destination objects in the selection were kept/);
    assert.deepEqual(await listKeys(s3, 'dst', 'e/'), ['e/1', 'e/2']);

    const allowed = await runToEnd(job('empty-allowed', 'e/', { allow_empty_source: true }));
    assert.equal(allowed.status, 'completed');
    assert.equal(allowed.progress.deleted_objects, 2);
    assert.deepEqual(await listKeys(s3, 'dst', 'e/'), []);
  });

  it('pause stops the delete phase between batches, every deletion so far recorded; resume finishes it', async () => {
    await createBucket(s3, 'pdst');
    const extraneous = Array.from({ length: 2100 }, (_, i) => ({ key: `p/${String(i).padStart(5, '0')}`, body: body(`gone ${i}`) }));
    await putObjects(s3, 'pdst', extraneous, 32);
    await putObjects(s3, 'src', [{ key: 'p/kept', body: body('kept') }]);
    const spec = {
      ...job('paused', 'p/'),
      destination_bucket: 'pdst',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    };
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs', spec)).status, 200);
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/paused/start')).status, 200);
    // The second batch's DeleteObjects is held at the proxy: pause the job meanwhile, then let it answer.
    await waitFor('the second DeleteObjects request', async () => (deleteRequests >= 2 ? true : undefined));
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/paused/pause')).status, 200);
    releaseSecond();
    await waitFor('the delete phase handed back', async () => (ferry.logs.some((l) => l.job_id === 'paused' && typeof l.msg === 'string' && l.msg.startsWith('delete phase stopped between batches')) ? true : undefined));
    const paused = await waitForJob(port(), 'paused', 'paused with two batches recorded', (j) => j.progress.deleted_objects === 2000);
    assert.equal(paused.status, 'paused');
    assert.equal(deleteRequests, 2, 'no third batch while paused');
    const left = await listKeys(s3, 'pdst', 'p/');
    assert.equal(left.filter((k) => k !== 'p/kept').length, 100, 'the deleted count is what left the destination');

    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/paused/resume')).status, 200);
    const done = await waitForJob(port(), 'paused', 'ended', (j) => j.status === 'completed' || j.status === 'failed');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.progress.deleted_objects, 2100);
    assert.deepEqual(await listKeys(s3, 'pdst', 'p/'), ['p/kept']);
  });

  it('a destination that refuses DeleteObjects fails the run naming it, once, instead of retrying the phase forever', async () => {
    await createBucket(s3, 'ddst');
    await putObjects(s3, 'src', [{ key: 'd/same', body: body('same bytes') }]);
    await putObjects(s3, 'ddst', [{ key: 'd/same', body: body('same bytes') }, { key: 'd/extra', body: body('extra') }]);
    proxy.setFaults({ denyWrites: true });
    try {
      const view = await runToEnd({ ...job('denied', 'd/'), destination_bucket: 'ddst', destination_endpoint: proxy.endpoint, destination_access_key: 'S3RVER', destination_secret_key: 'S3RVER', max_retries: 0 });
      assert.equal(view.status, 'failed');
      assert.match(view.error, /^delete phase stopped: DeleteObjects on ddst at http:\/\/[^ ]+ failed: HTTP 403 AccessDenied/);
      assert.equal(view.progress.skipped_objects, 1, 'the copy phase wrote nothing');
    } finally {
      proxy.setFaults({ denyWrites: false });
    }
    assert.deepEqual(await listKeys(s3, 'ddst', 'd/'), ['d/extra', 'd/same']);
  });

  it('refuses a max_delete that is neither a count nor a percentage, and the safeguards without delete_extraneous', async () => {
    const bad = await rest(port(), 'POST', '/admin/batch/jobs', job('bad', 'b/', { max_delete: 'lots' }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].field, 'max_delete');
    const alone = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'alone', source_bucket: 'src', destination_bucket: 'dst', allow_empty_source: true });
    assert.equal(alone.status, 400);
    assert.equal(alone.body.error.details[0].field, 'allow_empty_source');
  });
});
