import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadFerryProto } from '../../libs/transport/index.js';
import { FAILED_AUTH_BURST } from '../../libs/transport/failedAuthLimiter.js';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { runCli } from '../harness/cliProcess.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-read-token-0123456789';
const JOB = { job_id: 'named-tokens-job', source_bucket: 'src', destination_bucket: 'dst' };

/** A REST call from a chosen loopback address, so each test's failed authentications count against its own address. */
function restFrom(localAddress: string, port: number, path: string, token: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, localAddress, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('named tokens, recorded as actors', () => {
  let env: TestEnv;
  let control: FerryProcess;
  let client: grpc.Client;
  const proto = loadFerryProto();

  before(async () => {
    env = await startTestEnv('named-tokens', 1);
    const tokens = [
      { name: 'alice', role: 'admin', token_sha256: createHash('sha256').update(ALICE).digest('hex') },
      { name: 'bob', role: 'read', token: BOB },
    ];
    control = await startFerry('control', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_AUTH_TOKENS: JSON.stringify(tokens), FERRY_CHECK_ON_START: 'false' },
    });
    client = new grpc.Client(`127.0.0.1:${control.grpcPort}`, grpc.credentials.createInsecure());
  });

  after(async () => {
    client?.close();
    await control?.stop();
    await env?.stop();
  });

  function grpcCall(rpc: string, request: object, token: string): Promise<{ code: grpc.status; retryAfter?: string }> {
    const def = proto.service[rpc]!;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    return new Promise((resolve) =>
      client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, request, md, {}, (err) =>
        resolve(err ? { code: err.code, retryAfter: err.metadata?.get('retry-after')[0]?.toString() } : { code: grpc.status.OK }),
      ),
    );
  }

  it("records who created, started, paused, resumed and cancelled a job in its history, the CLI and control's log", async () => {
    assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs', JOB, ALICE)).status, 200);
    assert.equal((await grpcCall('StartJob', { job_id: JOB.job_id }, ALICE)).code, grpc.status.OK);
    assert.equal((await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${JOB.job_id}/pause`, undefined, ALICE)).status, 200);
    assert.equal((await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${JOB.job_id}/resume`, undefined, TEST_TOKEN)).status, 200);
    assert.equal((await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${JOB.job_id}/pause`, undefined, BOB)).status, 403);
    assert.equal((await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${JOB.job_id}/cancel`, undefined, ALICE)).status, 200);

    const history = await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${JOB.job_id}/history`, undefined, BOB);
    assert.equal(history.status, 200);
    const actors = (history.body.events as Array<{ type: string; actor: string }>).map((e) => [e.type, e.actor]);
    assert.deepEqual(actors, [
      ['JobCreated', 'alice'],
      ['RunStarted', 'alice'],
      ['JobPaused', 'alice'],
      ['JobResumed', 'admin'],
      ['JobCancelled', 'alice'],
    ]);
    assert.ok(!JSON.stringify(history.body).includes(ALICE), 'the token itself is never recorded');

    const { stdout } = await runCli(['jobs', 'history', JOB.job_id], { FERRY_SERVER: `127.0.0.1:${control.grpcPort}`, FERRY_ADMIN_TOKEN: BOB });
    assert.match(stdout, /ACTOR/);
    assert.match(stdout, /JobPaused\s+1\s+alice/);

    // Log lines reach the test through the process's stdout, maybe after the answers they go with.
    const applied = () => control.logs.filter((l) => l.msg === 'job command applied' && l.job_id === JOB.job_id).map((l) => [l.event, l.actor]);
    await waitFor('four commands logged', async () => (applied().length >= 4 ? true : undefined));
    assert.deepEqual(applied(), [
      ['RunStarted', 'alice'],
      ['JobPaused', 'alice'],
      ['JobResumed', 'admin'],
      ['JobCancelled', 'alice'],
    ]);
  });

  it('refuses a token in a query string, valid or not, naming the parameter', async () => {
    for (const parameter of ['access_token', 'token']) {
      const refused = await rest(control.httpPort!, 'GET', `/admin/batch/jobs?${parameter}=${ALICE}`, undefined, ALICE);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.details[0].field, parameter);
      assert.match(refused.body.error.message, /only in the Authorization header/);
    }
  });

  it('slows an address that keeps presenting unknown tokens over REST (429, Retry-After), and only that address', async () => {
    const port = control.httpPort!;
    for (let i = 0; i < FAILED_AUTH_BURST; i++) assert.equal((await restFrom('127.0.0.2', port, '/admin/batch/jobs', `guess-${i}-0123456789`)).status, 401);
    const slowed = await restFrom('127.0.0.2', port, '/admin/batch/jobs', 'guess-more-0123456789');
    assert.equal(slowed.status, 429);
    assert.ok(Number(slowed.retryAfter) >= 1, `Retry-After: ${slowed.retryAfter}`);
    assert.equal((await restFrom('127.0.0.2', port, '/admin/batch/jobs', ALICE)).status, 429, 'a right token is not looked at while slowed');
    assert.equal((await restFrom('127.0.0.3', port, '/admin/batch/jobs', ALICE)).status, 200, 'another address is served');
    await waitFor('the slowed address logged', async () =>
      control.logs.some((l) => l.msg === 'repeated failed authentications: this address is slowed' && l.address === '127.0.0.2') ? true : undefined,
    );
  });

  it('slows a gRPC peer the same way (RESOURCE_EXHAUSTED with a retry-after trailer)', async () => {
    for (let i = 0; i < FAILED_AUTH_BURST; i++) assert.equal((await grpcCall('ListJobs', {}, `grpc-guess-${i}`)).code, grpc.status.UNAUTHENTICATED);
    const slowed = await grpcCall('ListJobs', {}, ALICE);
    assert.equal(slowed.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.ok(Number(slowed.retryAfter) >= 1, `retry-after: ${slowed.retryAfter}`);
  });
});
