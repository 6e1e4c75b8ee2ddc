import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

const EXTRANEOUS = 2100;

/** A lister killed in a mirror run's delete phase: its task goes to the next lister, which resumes after the last recorded batch. */
describe('mirror delete phase across a lister restart (separate ferry processes)', () => {
  let env: TestEnv;
  let s3: S3Client;
  let proxy: FaultProxy;
  const processes: FerryProcess[] = [];
  let deleteRequests = 0;
  let releaseSecond: () => void = () => {};
  const secondHeld = new Promise<void>((resolve) => (releaseSecond = resolve));

  before(async () => {
    env = await startTestEnv('mirror-restart');
    s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    await createBucket(s3, 'dst');
    await putObjects(s3, 'src', [{ key: 'r/kept', body: Buffer.from('kept') }]);
    await putObjects(s3, 'dst', Array.from({ length: EXTRANEOUS }, (_, i) => ({ key: `r/${String(i).padStart(5, '0')}`, body: Buffer.from(`gone ${i}`) })), 32);
    // The second DeleteObjects is held, then refused without reaching s3rver: its lister is dead by then.
    proxy = await startFaultProxy(env.s3[0]!.endpoint, {}, {
      authorize: async (req) => {
        if (req.method !== 'POST' || !/\?delete(=|&|$)/.test(req.url ?? '') || ++deleteRequests !== 2) return undefined;
        await secondHeld;
        return { status: 503, code: 'ServiceUnavailable', message: 'held for a lister that was killed' };
      },
    });
    const base: FerryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') };
    for (const target of ['control', 'projector', 'copier']) processes.push(await startFerry(target, base));
  });

  after(async () => {
    releaseSecond();
    for (const p of processes.reverse()) await p.stop();
    await proxy?.stop();
    await env?.stop();
  });

  it('counts every deletion once and deletes every extraneous object', async () => {
    const base: FerryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') };
    const first = await startFerry('lister', base);
    const port = processes[0]!.httpPort!;
    const created = await rest(port, 'POST', '/admin/batch/jobs', {
      job_id: 'restart',
      source_bucket: 'src',
      destination_bucket: 'dst',
      prefix: 'r/',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      delete_extraneous: true,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/restart/start')).status, 200);
    await waitFor('the second DeleteObjects request', async () => (deleteRequests >= 2 ? true : undefined));
    await first.kill();
    releaseSecond();
    const mid = await waitForJob(port, 'restart', 'first batch counted', (j) => (j.progress.deleted_objects ?? 0) >= 1000);
    assert.equal(mid.progress.deleted_objects, 1000, 'the first batch is recorded, the held one is not');
    assert.equal(mid.status, 'running');
    processes.push(await startFerry('lister', base));

    const done = await waitForJob(port, 'restart', 'ended', (j) => j.status === 'completed' || j.status === 'failed', { stallMs: 60_000 });
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.progress.deleted_objects, EXTRANEOUS);
    assert.deepEqual(await listKeys(s3, 'dst', 'r/'), ['r/kept']);
    const history = await rest(port, 'GET', '/admin/batch/jobs/restart/history?page_size=1000');
    const batches = history.body.events.filter((e: { type: string }) => e.type === 'ObjectsDeleted').map((e: { details_json: string }) => JSON.parse(e.details_json));
    assert.deepEqual(batches.map((b: { batch: number }) => b.batch), [0, 1, 2]);
    const keys = batches.flatMap((b: { objects: Array<{ key: string }> }) => b.objects.map((o) => o.key));
    assert.equal(new Set(keys).size, EXTRANEOUS, 'each deleted key recorded once');
  });
});
