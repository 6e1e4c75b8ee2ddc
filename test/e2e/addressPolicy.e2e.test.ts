import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

type ErrorBody = { error: { message: string; details?: Array<{ field?: string }> } };

/**
 * The address policies at create, dry run and run, with the operator defaults (private webhook
 * addresses refused, link-local and metadata destinations refused). No test here connects to a
 * refused or private address: each is refused before any connection, or only stored.
 */
describe('webhook and destination address policies (separate control, projector, lister, copier processes)', () => {
  let env: TestEnv;
  const procs: FerryProcess[] = [];
  let port: number;
  let permissivePort: number;

  before(async () => {
    env = await startTestEnv('address-policy');
    const s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    const ferryEnv = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') };
    const [control, projector, lister, copier, permissive] = await Promise.all([
      startFerry('control', ferryEnv),
      startFerry('projector', ferryEnv),
      startFerry('lister', ferryEnv),
      startFerry('copier', ferryEnv),
      // A second control whose operator allows link-local destinations and starts without the pre-flight
      // check, so that a job can reach a run whose lister and copier (with the default policy) must refuse it.
      startFerry('control', { ...ferryEnv, extraEnv: { FERRY_DESTINATION_ALLOW_LINK_LOCAL: 'true', FERRY_CHECK_ON_START: 'false' } }),
    ]);
    procs.push(control!, projector!, lister!, copier!, permissive!);
    port = control!.httpPort!;
    permissivePort = permissive!.httpPort!;
  });

  after(async () => {
    for (const proc of procs) await proc.stop().catch(() => undefined);
    await env?.stop();
  });

  const create = (body: Record<string, unknown>, at = port) => rest(at, 'POST', '/admin/batch/jobs', { source_bucket: 'src', destination_bucket: 'dst', ...body });

  function assertRefused(res: { status: number; body: ErrorBody }, field: string, pattern: RegExp) {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.details?.[0]?.field, field, JSON.stringify(res.body));
    assert.match(res.body.error.message, pattern);
  }

  it('refuses at create a webhook whose host is a refused IP literal, naming notification_webhook', async () => {
    const refused: Array<[string, RegExp]> = [
      ['http://127.0.0.1:9/hook', /loopback/],
      ['http://10.1.2.3/hook', /private/],
      ['http://169.254.169.254/latest', /metadata/],
      ['http://[::ffff:127.0.0.1]:9/hook', /loopback/],
      ['http://[64:ff9b::a9fe:a9fe]/hook', /nat64/],
      ['http://198.18.0.7/hook', /benchmarking/],
    ];
    for (const [i, [url, reason]] of refused.entries()) {
      const res = await create({ job_id: `hook-literal-${i}`, notification_webhook: url });
      assertRefused(res, 'notification_webhook', reason);
      assert.equal((await rest(port, 'GET', `/admin/batch/jobs/hook-literal-${i}`)).status, 404, 'nothing was created');
    }
  });

  it('refuses at create a webhook host name that resolves to a refused address (localhost)', async () => {
    const res = await create({ job_id: 'hook-name', notification_webhook: 'http://localhost:9/hook' });
    assertRefused(res, 'notification_webhook', /localhost resolves to .* \(loopback\)/);
  });

  it("keeps a job's webhook_secret sealed: the answers show ********", async () => {
    const res = await create({ job_id: 'own-secret', notification_webhook: 'https://hooks.example.com/ferry', webhook_secret: 'whsec_c2VjcmV0LW9mLXRoZS1qb2I=' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.webhook_secret, '********');
    const got = await rest(port, 'GET', '/admin/batch/jobs/own-secret');
    assert.equal(got.body.webhook_secret, '********');
    assert.doesNotMatch(JSON.stringify(got.body), /c2VjcmV0LW9mLXRoZS1qb2I/);
  });

  it('refuses at create and in a dry run a link-local or metadata destination, naming destination_endpoint', async () => {
    const credentials = { destination_access_key: 'S3RVER', destination_secret_key: 'S3RVER' };
    for (const endpoint of ['http://169.254.169.254', 'http://169.254.10.10:9000', 'http://[fe80::1]:9000']) {
      assertRefused(await create({ job_id: 'dest-literal', destination_endpoint: endpoint, ...credentials }), 'destination_endpoint', /link-local|metadata/);
      assertRefused(await create({ job_id: 'dest-literal', destination_endpoint: endpoint, ...credentials, dry_run: true }), 'destination_endpoint', /link-local|metadata/);
    }
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/dest-literal')).status, 404);
  });

  it('accepts a private-network destination (on-premises S3)', async () => {
    const res = await create({ job_id: 'on-prem', destination_endpoint: 'http://10.20.30.40:9000', destination_access_key: 'a', destination_secret_key: 'b' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.destination_endpoint, 'http://10.20.30.40:9000');
  });

  it('refuses the same bucket when destination_endpoint is the source endpoint', async () => {
    const res = await create({
      job_id: 'same-bucket',
      destination_bucket: 'src',
      destination_endpoint: `${env.s3[0]!.endpoint}/`,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
    });
    assertRefused(res, 'destination_bucket', /must differ from source_bucket/);
  });

  it("refuses at start, in the pre-flight check, a destination the control's policy refuses", async () => {
    const created = await create({ job_id: 'metadata-check', destination_endpoint: 'http://169.254.169.254', destination_access_key: 'a', destination_secret_key: 'b' }, permissivePort);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const refused = await rest(port, 'POST', '/admin/batch/jobs/metadata-check/start');
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.details?.[0]?.field, 'destination_bucket', JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /169\.254\.169\.254.*metadata/);
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/metadata-check')).body.status, 'pending', 'nothing was started');
  });

  it('fails a run whose destination the lister refuses after resolving it, before any connection', async () => {
    const created = await create({ job_id: 'metadata-run', destination_endpoint: 'http://169.254.169.254', destination_access_key: 'a', destination_secret_key: 'b' }, permissivePort);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(permissivePort, 'POST', '/admin/batch/jobs/metadata-run/start')).status, 200);
    const failed = await waitForJob(port, 'metadata-run', 'failed', (view) => view.status === 'failed');
    assert.match(failed.error, /destination_endpoint: refused: 169\.254\.169\.254 resolves to 169\.254\.169\.254 \(metadata\)/);
    assert.equal(failed.progress.completed_objects, 0);
  });
});
