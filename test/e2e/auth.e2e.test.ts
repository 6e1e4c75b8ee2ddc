import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadFerryProto } from '../../libs/transport/index.js';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const READ_TOKEN = 'test-read-token-9876543210';
const JOB = { job_id: 'auth-job', source_bucket: 'src', destination_bucket: 'dst' };

/** Tokens and roles over both transports of a real control: 401 without a known token, 403 for a read token on a mutation. */
describe('authentication and roles', () => {
  let env: TestEnv;
  let control: FerryProcess;
  let client: grpc.Client;
  const proto = loadFerryProto();

  before(async () => {
    env = await startTestEnv('auth', 1);
    control = await startFerry('control', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_READ_TOKEN: READ_TOKEN },
    });
    client = new grpc.Client(`127.0.0.1:${control.grpcPort}`, grpc.credentials.createInsecure());
    assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs', JOB)).status, 200);
  });

  after(async () => {
    client?.close();
    await control?.stop();
    await env?.stop();
  });

  function grpcCode(rpc: string, request: object, token?: string): Promise<grpc.status> {
    const def = proto.service[rpc]!;
    const md = new grpc.Metadata();
    if (token) md.set('authorization', `Bearer ${token}`);
    return new Promise((resolve) =>
      client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, request, md, {}, (err) => resolve(err ? err.code : grpc.status.OK)),
    );
  }

  const mutations: Array<[string, string, string, object]> = [
    ['CreateJob', 'POST', '/admin/batch/jobs', { ...JOB, job_id: 'by-reader' }],
    ['StartJob', 'POST', '/admin/batch/jobs/auth-job/start', { job_id: 'auth-job' }],
    ['PauseJob', 'POST', '/admin/batch/jobs/auth-job/pause', { job_id: 'auth-job' }],
    ['ResumeJob', 'POST', '/admin/batch/jobs/auth-job/resume', { job_id: 'auth-job' }],
    ['CancelJob', 'POST', '/admin/batch/jobs/auth-job/cancel', { job_id: 'auth-job' }],
    ['RetryFailed', 'POST', '/admin/batch/jobs/auth-job/retry-failed', { job_id: 'auth-job' }],
    ['CheckJob', 'POST', '/admin/batch/jobs/auth-job/check', { job_id: 'auth-job', write_probe: true }],
    ['DeleteJob', 'DELETE', '/admin/batch/jobs/auth-job', { job_id: 'auth-job' }],
    ['RotateKeys', 'POST', '/admin/batch/keys/rotate', {}],
  ];

  it('answers 401 over REST with no token, an unknown token or a malformed header', async () => {
    for (const token of [null, 'not-a-known-token']) {
      assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs', undefined, token)).status, 401);
      assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/auth-job', undefined, token)).status, 401);
      assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { ...JOB, job_id: 'anon' }, token)).status, 401);
    }
    const basic = await fetch(`http://127.0.0.1:${control.httpPort}/admin/batch/jobs`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    assert.equal(basic.status, 401);
  });

  it('answers UNAUTHENTICATED over gRPC with no token or an unknown one', async () => {
    assert.equal(await grpcCode('ListJobs', {}), grpc.status.UNAUTHENTICATED);
    assert.equal(await grpcCode('GetJob', { job_id: 'auth-job' }, 'wrong'), grpc.status.UNAUTHENTICATED);
    assert.equal(await grpcCode('CreateJob', { ...JOB, job_id: 'anon' }, 'wrong'), grpc.status.UNAUTHENTICATED);
  });

  it('lets a read token get and list over both transports', async () => {
    assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/auth-job', undefined, READ_TOKEN)).status, 200);
    assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs', undefined, READ_TOKEN)).status, 200);
    assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/auth-job/failed', undefined, READ_TOKEN)).status, 200);
    assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/auth-job/errors', undefined, READ_TOKEN)).status, 200);
    assert.equal(await grpcCode('GetJob', { job_id: 'auth-job' }, READ_TOKEN), grpc.status.OK);
    assert.equal(await grpcCode('ListJobs', {}, READ_TOKEN), grpc.status.OK);
  });

  it('refuses every mutation to a read token with 403 / PERMISSION_DENIED, and changes nothing', async () => {
    for (const [rpc, method, path, body] of mutations) {
      const res = await rest(control.httpPort!, method, path, method === 'POST' && rpc === 'CreateJob' ? body : undefined, READ_TOKEN);
      assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(await grpcCode(rpc, body, READ_TOKEN), grpc.status.PERMISSION_DENIED, rpc);
    }
    assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/by-reader')).status, 404);
    const job = await rest(control.httpPort!, 'GET', '/admin/batch/jobs/auth-job');
    assert.equal(job.body.status, 'pending');
  });

  it('lets the admin token mutate', async () => {
    assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs/auth-job/cancel')).status, 200);
    assert.equal(await grpcCode('DeleteJob', { job_id: 'auth-job' }, TEST_TOKEN), grpc.status.OK);
  });

  it('serves /healthz, /readyz and /metrics with no token', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await fetch(`http://127.0.0.1:${control.httpPort}${path}`);
      assert.equal(res.status, 200, path);
    }
  });
});
