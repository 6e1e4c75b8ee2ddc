import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, TEST_TOKEN, type FerryProcess } from '../harness/ferryProcess.js';
import { freePort } from '../harness/freePort.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { verifySigV4 } from '../harness/sigv4Verify.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const CLI_SCRIPT = fileURLToPath(new URL('../../services/cli/main.js', import.meta.url));

interface Step {
  name: string;
  status: string;
  detail: string;
  code?: string;
  http_status?: number;
}

interface BucketCheck {
  side: string;
  endpoint: string;
  bucket: string;
  ok?: boolean;
  steps: Step[];
}

const stepOf = (check: BucketCheck, name: string): Step => {
  const step = check.steps.find((s) => s.name === name);
  assert.ok(step, `${check.side} has a ${name} step: ${JSON.stringify(check.steps)}`);
  return step;
};

describe('pre-flight check: CheckJob step by step, and a start refused when a bucket cannot be used', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  /** s3rver behind a proxy that checks SigV4 signatures as S3 does (s3rver itself accepts any). */
  let signing: FaultProxy;
  let refusedPort: number;
  const s3 = () => testS3Client(env.s3[0]!.endpoint);

  before(async () => {
    env = await startTestEnv('preflight-check');
    for (const bucket of ['src', 'dst', 'dst-wrong-secret']) await createBucket(s3(), bucket);
    await putObjects(s3(), 'src', [{ key: 'photos/a.jpg', body: Buffer.from('a') }, { key: 'photos/b.jpg', body: Buffer.from('bb') }]);
    signing = await startFaultProxy(env.s3[0]!.endpoint, {}, {
      authorize: (req) => verifySigV4(req, 's3', (id) => (id === 'S3RVER' ? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } : undefined)),
    });
    refusedPort = await freePort();
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await signing?.stop();
    await env?.stop();
  });

  async function createJob(jobId: string, spec: Record<string, unknown>): Promise<void> {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: signing.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      ...spec,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  }

  async function check(jobId: string, body: Record<string, unknown> = {}): Promise<{ ok?: boolean; source: BucketCheck; destination: BucketCheck }> {
    const res = await rest(ferry.httpPort!, 'POST', `/admin/batch/jobs/${jobId}/check`, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.job_id, jobId);
    const [source, destination] = res.body.buckets as BucketCheck[];
    assert.equal(source!.side, 'source');
    assert.equal(destination!.side, 'destination');
    return { ok: res.body.ok, source: source!, destination: destination! };
  }

  /** The start is refused with `status`, its message naming the bucket and the cause, and no run begins. */
  async function startRefused(jobId: string, status: number, names: RegExp[]): Promise<void> {
    const started = await rest(ferry.httpPort!, 'POST', `/admin/batch/jobs/${jobId}/start`);
    assert.equal(started.status, status, JSON.stringify(started.body));
    for (const name of names) assert.match(started.body.error.message, name);
    const job = await rest(ferry.httpPort!, 'GET', `/admin/batch/jobs/${jobId}`);
    assert.equal(job.body.run ?? 0, 0, `no run began: ${JSON.stringify(job.body)}`);
    const history = await rest(ferry.httpPort!, 'GET', `/admin/batch/jobs/${jobId}/history`);
    assert.deepEqual(history.body.events.map((e: { type: string }) => e.type), ['JobCreated']);
  }

  it('passes every step of both sides; the write probe PUTs a zero-byte object and DELETEs it, leaving nothing', async () => {
    await createJob('all-good', { prefix: 'photos/' });
    const logStart = signing.requestLog().length;
    const plain = await check('all-good');
    assert.equal(plain.ok, true, JSON.stringify(plain));
    for (const side of [plain.source, plain.destination]) {
      for (const name of ['credentials', 'dns', 'tcp', 'signature', 'bucket', 'list']) assert.equal(stepOf(side, name).status, 'passed', `${side.side} ${name}: ${JSON.stringify(side)}`);
      assert.equal(stepOf(side, 'tls').status, 'skipped', 'plain HTTP has no TLS');
      assert.equal(stepOf(side, 'write').status, 'skipped');
    }
    assert.match(stepOf(plain.destination, 'write').detail, /write_probe/);
    assert.equal(plain.destination.endpoint, signing.endpoint);
    assert.equal(plain.source.bucket, 'src');
    assert.ok(!signing.requestLog().slice(logStart).some((line) => line.startsWith('PUT ')), 'no write without write_probe');

    const probed = await check('all-good', { write_probe: true });
    assert.equal(probed.ok, true, JSON.stringify(probed));
    assert.equal(stepOf(probed.destination, 'write').status, 'passed');
    assert.equal(stepOf(probed.destination, 'delete').status, 'passed');
    assert.equal(stepOf(probed.source, 'write').status, 'skipped', 'the source is only read');
    const requests = signing.requestLog().slice(logStart);
    const puts = requests.filter((line) => line.startsWith('PUT '));
    assert.equal(puts.length, 1, requests.join('\n'));
    const probePath = puts[0]!.slice('PUT '.length);
    assert.match(probePath, /^\/dst\/photos\/\.ferry-check-[0-9a-f]+$/, 'the probe is written under the job prefix');
    assert.ok(requests.includes(`DELETE ${probePath}`), 'the probe is deleted');
    assert.deepEqual(await listKeys(s3(), 'dst'), [], 'nothing left behind');

    const started = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/all-good/start');
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const done = await waitForJob(ferry.httpPort!, 'all-good', 'completed', (body) => body.status === 'completed' || body.status === 'failed');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.deepEqual(await listKeys(s3(), 'dst'), ['photos/a.jpg', 'photos/b.jpg']);
  });

  it('a missing source bucket fails its bucket step with NoSuchBucket, and refuses the start naming it', async () => {
    await createJob('no-source', { source_bucket: 'no-such-source', destination_bucket: 'dst' });
    const result = await check('no-source');
    assert.equal(result.ok, false);
    const bucket = stepOf(result.source, 'bucket');
    assert.equal(bucket.status, 'failed');
    assert.equal(bucket.code, 'NoSuchBucket');
    assert.equal(bucket.http_status, 404);
    assert.match(bucket.detail, /no-such-source/);
    assert.equal(stepOf(result.source, 'signature').status, 'passed');
    assert.equal(stepOf(result.source, 'list').status, 'skipped');
    assert.equal(result.destination.ok, true, JSON.stringify(result.destination));
    await startRefused('no-source', 409, [/source bucket no-such-source/, /does not exist/, /NoSuchBucket/]);
  });

  it('a missing destination bucket refuses the start; once the bucket is created the job starts and completes', async () => {
    await createJob('no-destination', { destination_bucket: 'made-later' });
    const result = await check('no-destination');
    assert.equal(result.source.ok, true);
    assert.equal(stepOf(result.destination, 'bucket').code, 'NoSuchBucket');
    await startRefused('no-destination', 409, [/destination bucket made-later/, /NoSuchBucket/]);

    await createBucket(s3(), 'made-later');
    assert.equal((await check('no-destination')).ok, true);
    assert.equal((await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/no-destination/start')).status, 200);
    const done = await waitForJob(ferry.httpPort!, 'no-destination', 'completed', (body) => body.status === 'completed' || body.status === 'failed');
    assert.equal(done.status, 'completed', JSON.stringify(done));
  });

  it('an endpoint refusing connections fails the tcp step naming the endpoint, skips what needs it, and refuses the start', async () => {
    const endpoint = `http://127.0.0.1:${refusedPort}`;
    await createJob('refused', { destination_endpoint: endpoint });
    const result = await check('refused');
    assert.equal(result.ok, false);
    assert.equal(result.destination.endpoint, endpoint);
    assert.equal(stepOf(result.destination, 'dns').status, 'passed');
    const tcp = stepOf(result.destination, 'tcp');
    assert.equal(tcp.status, 'failed');
    assert.equal(tcp.code, 'ECONNREFUSED');
    assert.ok(tcp.detail.includes(endpoint), tcp.detail);
    for (const name of ['signature', 'bucket', 'list']) assert.equal(stepOf(result.destination, name).status, 'skipped');
    assert.equal(stepOf(result.destination, 'credentials').status, 'passed', 'credentials resolve whether or not the endpoint answers');
    await startRefused('refused', 409, [/destination bucket dst/, new RegExp(`at ${endpoint} cannot be reached \\(tcp\\)`), /ECONNREFUSED/]);
  });

  it('a host that does not resolve fails the dns step, an endpoint speaking no TLS the tls step; both refuse the start', async () => {
    const unresolved = 'http://ferry-no-such-host.invalid:9000';
    await createJob('unresolved', { destination_endpoint: unresolved });
    const dns = stepOf((await check('unresolved')).destination, 'dns');
    assert.equal(dns.status, 'failed');
    assert.match(String(dns.code), /^(ENOTFOUND|EAI_AGAIN)$/);
    assert.ok(dns.detail.includes(unresolved), dns.detail);
    await startRefused('unresolved', 409, [/destination bucket dst/, /cannot be reached \(dns\)/, /ferry-no-such-host\.invalid/]);

    const noTls = env.s3[0]!.endpoint.replace('http:', 'https:');
    await createJob('no-tls', { destination_endpoint: noTls });
    const result = await check('no-tls');
    assert.equal(stepOf(result.destination, 'tcp').status, 'passed');
    const tls = stepOf(result.destination, 'tls');
    assert.equal(tls.status, 'failed');
    assert.match(`${tls.code} ${tls.detail}`, /SSL|TLS|EPROTO/i);
    assert.equal(stepOf(result.destination, 'signature').status, 'skipped');
    await startRefused('no-tls', 409, [/destination bucket dst/, /cannot be reached \(tls\)/]);
  });

  it('a wrong secret fails the signature step with SignatureDoesNotMatch, and refuses the start as permission denied', async () => {
    await createJob('wrong-secret', { destination_bucket: 'dst-wrong-secret', destination_secret_key: 'not-the-secret' });
    const result = await check('wrong-secret', { write_probe: true });
    assert.equal(result.source.ok, true);
    const signature = stepOf(result.destination, 'signature');
    assert.equal(signature.status, 'failed');
    assert.equal(signature.code, 'SignatureDoesNotMatch');
    assert.equal(signature.http_status, 403);
    assert.equal(stepOf(result.destination, 'write').status, 'skipped', 'no write with a refused signature');
    await startRefused('wrong-secret', 403, [/destination bucket dst-wrong-secret/, /SignatureDoesNotMatch/]);
  });

  it('`ferry check ID --write-probe` prints every step and exits 0 when all pass, 1 when one fails', async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI_SCRIPT, ...args], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, FERRY_SERVER: `127.0.0.1:${ferry.grpcPort}`, FERRY_ADMIN_TOKEN: TEST_TOKEN },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
    const good = await cli(['check', 'all-good', '--write-probe']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^destination\s+write\s+PASSED\s+PUT dst\/photos\/\.ferry-check-/m);
    assert.match(good.stdout, /^destination\s+delete\s+PASSED/m);
    assert.match(good.stdout, /job all-good passes the check/);
    const bad = await cli(['jobs', 'check', 'no-source']);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stdout, /^source\s+bucket\s+FAILED\s+404 NoSuchBucket\s+bucket no-such-source does not exist/m);
    assert.deepEqual(await listKeys(s3(), 'dst', 'photos/.ferry-check'), [], 'nothing left behind');
  });
});
