import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

/**
 * The versions job option over the API against s3rver, which has no bucket versioning (GetBucketVersioning
 * answers 501): a bad value is a 400 naming versions, and a versions: all job is refused at start and in a
 * dry run (409 naming destination_bucket), while versions: latest copies as before. Copying versions is
 * shown against Ceph RGW (test/compat/rgw.versions.compat.test.ts).
 */
describe('versions: the job option against a server without versioning', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  const port = () => ferry.httpPort!;

  before(async () => {
    env = await startTestEnv('versions');
    const s3 = testS3Client(env.s3[0]!.endpoint);
    for (const bucket of ['src', 'dst']) await createBucket(s3, bucket);
    await putObjects(s3, 'src', [{ key: 'a', body: Buffer.from('a') }]);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await env?.stop();
  });

  it('refuses a value other than latest or all with a 400 naming versions', async () => {
    const res = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'v-bad', source_bucket: 'src', destination_bucket: 'dst', versions: 'every' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), /versions: must be one of latest, all/);
  });

  it('creates a versions: all job, then refuses its start and its dry run with a 409 naming destination_bucket', async () => {
    const job = { job_id: 'v-all', source_bucket: 'src', destination_bucket: 'dst', versions: 'all' };
    const created = await rest(port(), 'POST', '/admin/batch/jobs', job);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.versions, 'all');
    const started = await rest(port(), 'POST', '/admin/batch/jobs/v-all/start');
    assert.equal(started.status, 409, JSON.stringify(started.body));
    assert.match(JSON.stringify(started.body), /versioning of destination bucket dst cannot be read: the destination does not implement bucket versioning/);
    assert.match(JSON.stringify(started.body), /destination_bucket/);
    assert.equal((await rest(port(), 'GET', '/admin/batch/jobs/v-all')).body.status, 'pending');
    const dry = await rest(port(), 'POST', '/admin/batch/jobs', { ...job, job_id: 'v-all-dry', dry_run: true });
    assert.equal(dry.status, 409, JSON.stringify(dry.body));
  });

  it('takes versions: latest as the default it is, and shows it', async () => {
    const created = await rest(port(), 'POST', '/admin/batch/jobs', { job_id: 'v-latest', source_bucket: 'src', destination_bucket: 'dst', versions: 'latest' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.versions, 'latest');
    assert.equal((await rest(port(), 'POST', '/admin/batch/jobs/v-latest/start')).status, 200);
  });
});
