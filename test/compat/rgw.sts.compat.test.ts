import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { rest } from '../harness/restClient.js';
import { createBucket, putObjects, type SeedObject } from '../harness/s3TestClient.js';
import { assertCopied, MiB, putMultipart, runJob, startCompatEnv, type CompatEnv } from './compatEnv.js';

/** Small objects, and one above the deployments' 5 MiB multipart threshold so parts are signed with the session token too. */
function seedObjects(): { small: SeedObject[]; large: SeedObject } {
  const small = Array.from({ length: 40 }, (_, i) => ({ key: `sts/${String(i).padStart(3, '0')}.bin`, body: randomBytes(200 + i * 97), metadata: { index: String(i) } }));
  return { small, large: { key: 'sts/large.bin', body: randomBytes(11 * MiB + 7), metadata: {} } };
}

/**
 * Jobs whose source or destination is reached through a role assumed with Ceph RGW's own STS
 * (`rgw s3 auth use sts = true`): every request then carries the session's token, which RGW checks.
 */
describe("roles assumed through Ceph RGW's STS", () => {
  let env: CompatEnv;
  let roleArn: string;
  const { small, large } = seedObjects();
  const all = [...small, large];

  before(async () => {
    env = await startCompatEnv('sts');
    roleArn = await env.ceph.createRole('ferry-mover', env.ceph.user.uid);
    for (const [client, bucket] of [[env.s3, 's3-src'], [env.rgw, 'rgw-src']] as const) {
      await createBucket(client, bucket);
      await putObjects(client, bucket, small, 8);
      await putMultipart(client, bucket, large);
    }
  });

  after(async () => {
    await env?.stop();
  });

  it('copies s3rver to RGW through destination_role_arn, RGW and its STS over HTTPS with the CA in the job, and GetJob names the role', async () => {
    await createBucket(env.rgw, 'sts-dst');
    const done = await runJob(env.fromS3rver, {
      job_id: 'destination-role',
      source_bucket: 's3-src',
      destination_bucket: 'sts-dst',
      destination_endpoint: env.ceph.httpsEndpoint,
      destination_ca_bundle: env.ceph.caPem,
      destination_access_key: env.ceph.user.accessKey,
      destination_secret_key: env.ceph.user.secretKey,
      destination_role_arn: roleArn,
      sts_endpoint: env.ceph.httpsEndpoint,
      session_name: 'ferry-compat',
    });
    assert.equal(done.progress.completed_objects, all.length);
    assert.equal(done.progress.failed_objects ?? 0, 0);
    assert.equal(done.destination_credentials, `role ${roleArn}`);
    assert.equal(done.source_credentials, 'static');
    await assertCopied(env.rgw, 'sts-dst', all);
  });

  it('copies RGW to s3rver through source_role_arn (the deployment source keys assume the role)', async () => {
    await createBucket(env.s3, 'sts-copy');
    const done = await runJob(env.fromRgw, {
      job_id: 'source-role',
      source_bucket: 'rgw-src',
      destination_bucket: 'sts-copy',
      destination_endpoint: env.s3rver.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      source_role_arn: roleArn,
      sts_endpoint: env.ceph.endpoint,
    });
    assert.equal(done.progress.completed_objects, all.length);
    assert.equal(done.source_credentials, `role ${roleArn}`);
    await assertCopied(env.s3, 'sts-copy', all);
  });

  it('refuses to start a job whose keys may not assume the role, with a 403 naming the field and the role', async () => {
    const stranger = await env.ceph.createUser('stranger');
    await createBucket(env.rgw, 'sts-refused');
    const port = env.fromS3rver.httpPort!;
    const created = await rest(port, 'POST', '/admin/batch/jobs', {
      job_id: 'refused-role',
      source_bucket: 's3-src',
      destination_bucket: 'sts-refused',
      destination_endpoint: env.ceph.endpoint,
      destination_access_key: stranger.accessKey,
      destination_secret_key: stranger.secretKey,
      destination_role_arn: roleArn,
      sts_endpoint: env.ceph.endpoint,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const started = await rest(port, 'POST', '/admin/batch/jobs/refused-role/start');
    assert.equal(started.status, 403, JSON.stringify(started.body));
    const answer = JSON.stringify(started.body);
    assert.match(answer, /destination_role_arn/);
    assert.ok(answer.includes(roleArn), answer);
    const { body } = await rest(port, 'GET', '/admin/batch/jobs/refused-role');
    assert.equal(body.status, 'pending', 'nothing ran');
  });
});
