import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FerryError, invalidField, jobNotFound } from '../../libs/domain/errors.js';
import { createLogger } from '../../libs/log/logger.js';
import { FAILED_AUTH_BURST } from '../../libs/transport/failedAuthLimiter.js';
import { startGrpcServer, startHttpGateway, type CallContext, type RunningGrpcServer, type RunningHttpGateway, type ServiceHandlers } from '../../libs/transport/index.js';

const ADMIN = 'Bearer admin-secret';
const READ = 'Bearer read-secret';

/** A job as a handler returns it: int64s as numbers, optional fields left out, a map and a repeated field, an unknown field. */
const job = (jobId: string) => ({
  job_id: jobId,
  status: 'running',
  source_bucket: 'src',
  destination_bucket: 'dst',
  tags: { team: 'storage' },
  notify_on: [],
  run: 3,
  min_size: 2 ** 40,
  progress: { total_objects: 12, total_bytes: 2 ** 53 - 1, completed_objects: 5 },
  not_in_the_proto: 'dropped',
});

const handlers: ServiceHandlers = {
  async GetJob(request: any) {
    if (request.job_id === 'leak') throw new Error('connection string postgres://user:pw@db leaked');
    if (request.job_id === 'missing') throw jobNotFound(request.job_id);
    return job(request.job_id);
  },
  async ListJobs(request: any) {
    return { jobs: [job('a'), job('b')], next_page_token: request.page_token ?? '' };
  },
  async CreateJob(request: any, ctx: CallContext) {
    if (request.job_id === 'bad') throw invalidField('job_id', 'must be lowercase');
    if (request.job_id === 'late') throw new FerryError('FAILED_PRECONDITION', 'cannot create it now', [{ field: 'status', reason: 'busy' }]);
    return { ...job(request.job_id), description: `created by ${ctx.role}` };
  },
};

interface Answer {
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  body: unknown;
}

/**
 * The REST gateway answers alike whether it calls the gRPC server's unary methods in process (as control
 * wires it) or over its client connection: the same messages, statuses, error bodies and headers, and the
 * same client address for the failed-authentication limit.
 */
describe('REST gateway: unary calls in process and over the connection', () => {
  let server: RunningGrpcServer;
  let overConnection: RunningHttpGateway;
  let inProcess: RunningHttpGateway;

  before(async () => {
    const log = createLogger('silent');
    const gatewayKey = 'gateway-key';
    const tokens = [
      { name: 'admin', token: 'admin-secret', role: 'admin' as const },
      { name: 'read', token: 'read-secret', role: 'read' as const },
    ];
    server = await startGrpcServer({ address: '127.0.0.1:0', handlers, tokens, log, gatewayKey });
    const common = { address: '127.0.0.1:0', grpcTarget: server.localTarget, log, gatewayKey };
    overConnection = await startHttpGateway(common);
    // Its connection leads nowhere (nothing listens on port 1): every answer it gives came in process.
    inProcess = await startHttpGateway({ ...common, grpcTarget: '127.0.0.1:1', callUnary: server.callUnary });
  });

  after(async () => {
    await inProcess?.stop();
    await overConnection?.stop();
    await server?.stop();
  });

  async function ask(gateway: RunningHttpGateway, method: string, path: string, auth: string | undefined, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`http://127.0.0.1:${gateway.port}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, contentType: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: await res.json() };
  }

  it('answers every call alike', async () => {
    const calls: Array<[string, string, string | undefined, unknown?]> = [
      ['GET', '/admin/batch/jobs/j1', READ],
      ['GET', '/admin/batch/jobs?page_size=2&page_token=t', READ],
      ['POST', '/admin/batch/jobs', ADMIN, { job_id: 'new', source_bucket: 'src', destination_bucket: 'dst', min_size: 1024 }],
      ['POST', '/admin/batch/jobs', ADMIN, { job_id: 'bad', source_bucket: 'src', destination_bucket: 'dst' }],
      ['POST', '/admin/batch/jobs', ADMIN, { job_id: 'late', source_bucket: 'src', destination_bucket: 'dst' }],
      ['POST', '/admin/batch/jobs', READ, { job_id: 'new', source_bucket: 'src', destination_bucket: 'dst' }],
      ['GET', '/admin/batch/jobs/missing', READ],
      ['GET', '/admin/batch/jobs/leak', READ],
      ['GET', '/admin/batch/jobs/j1', undefined],
      ['POST', '/admin/batch/jobs/j1/start', ADMIN],
    ];
    const statuses: number[] = [];
    for (const [method, path, auth, body] of calls) {
      const expected = await ask(overConnection, method, path, auth, body);
      assert.deepEqual(await ask(inProcess, method, path, auth, body), expected, `${method} ${path}`);
      statuses.push(expected.status);
    }
    // The calls cover answers and refusals: found, listed, created, invalid, refused, forbidden, missing, internal, unauthenticated, unimplemented.
    assert.deepEqual(statuses, [200, 200, 200, 400, 409, 403, 404, 500, 401, 501]);
    const got = (await ask(inProcess, 'GET', '/admin/batch/jobs/j1', READ)).body as Record<string, any>;
    assert.equal(got.min_size, 2 ** 40, 'int64 fields through the proto and back');
    assert.equal(got.not_in_the_proto, undefined, 'fields the proto lacks are dropped');
  });

  it('counts failed authentications against the HTTP client, whichever way the call went', async () => {
    const unknown = 'Bearer nobody';
    for (let i = 0; i < FAILED_AUTH_BURST; i++) assert.equal((await ask(inProcess, 'GET', '/admin/batch/jobs/j1', unknown)).status, 401);
    const slowed = await ask(inProcess, 'GET', '/admin/batch/jobs/j1', unknown);
    assert.equal(slowed.status, 429);
    assert.ok(Number(slowed.retryAfter) >= 1, `retry-after ${slowed.retryAfter}`);
    const sameClient = await ask(overConnection, 'GET', '/admin/batch/jobs/j1', unknown);
    assert.equal(sameClient.status, 429, 'the same client, through the other gateway, is slowed too');
  });
});
