import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rest } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, type SeedObject } from '../harness/s3TestClient.js';
import { runJob, startCompatEnv, type CompatEnv } from './compatEnv.js';

/** More than one DeleteObjects request's 1,000 keys, so RGW answers two batches. */
const EXTRANEOUS = 1_200;

describe('a mirror run into Ceph RGW (delete_extraneous)', () => {
  let env: CompatEnv;
  const kept: SeedObject[] = Array.from({ length: 50 }, (_, i) => ({ key: `m/keep-${String(i).padStart(3, '0')}`, body: Buffer.from(`kept ${i}`) }));
  const extraneous: SeedObject[] = Array.from({ length: EXTRANEOUS }, (_, i) => ({ key: `m/gone-${String(i).padStart(5, '0')}${i % 97 === 0 ? ' +&=ü' : ''}`, body: Buffer.from(`gone ${i}`) }));
  const outside: SeedObject = { key: 'elsewhere/untouched', body: Buffer.from('outside the prefix') };

  before(async () => {
    env = await startCompatEnv('mirror');
    await createBucket(env.s3, 'mirror-src');
    await putObjects(env.s3, 'mirror-src', kept);
    await createBucket(env.rgw, 'mirror-dst');
    await putObjects(env.rgw, 'mirror-dst', [...extraneous, outside], 32);
  });

  after(async () => {
    await env?.stop();
  });

  it('copies s3rver to RGW, then deletes exactly the RGW objects under the prefix that the source lacks, in DeleteObjects batches', async () => {
    const job = {
      job_id: 'mirror-to-rgw',
      source_bucket: 'mirror-src',
      destination_bucket: 'mirror-dst',
      prefix: 'm/',
      destination_endpoint: env.ceph.endpoint,
      destination_access_key: env.ceph.user.accessKey,
      destination_secret_key: env.ceph.user.secretKey,
      delete_extraneous: true,
      max_delete: '99%',
    };
    const done = await runJob(env.fromS3rver, job);
    assert.equal(done.progress.completed_objects, kept.length);
    assert.equal(done.progress.deleted_objects, EXTRANEOUS);
    assert.equal(done.progress.deleted_bytes, extraneous.reduce((n, o) => n + o.body.length, 0));
    assert.equal(done.runs[0].delete_phase.status, 'completed');
    assert.deepEqual((await listKeys(env.rgw, 'mirror-dst')).sort(), [outside.key, ...kept.map((o) => o.key)].sort());
    const history = await rest(env.fromS3rver.httpPort!, 'GET', '/admin/batch/jobs/mirror-to-rgw/history?page_size=1000');
    const batches = history.body.events.filter((e: { type: string }) => e.type === 'ObjectsDeleted').map((e: { details_json: string }) => JSON.parse(e.details_json).objects.length);
    assert.deepEqual(batches, [1000, 200]);
  });
});
