import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { FerryError, invalidField, jobAlreadyExists, jobNotFound } from '../../libs/domain/errors.js';
import { createLogger } from '../../libs/log/logger.js';
import { startGrpcServer, startHttpGateway, type CallContext, type ServiceHandlers } from '../../libs/transport/index.js';

const ADMIN = 'Bearer admin-secret';
const READ = 'Bearer read-secret';

// An in-memory stand-in for the application behind the transport.
const jobs = new Map<string, Record<string, unknown>>();
const received: { rpc: string; request: unknown; role: string }[] = [];
let watchAborted!: () => void;
const watchAbortedPromise = new Promise<void>((resolve) => (watchAborted = resolve));

const handlers: ServiceHandlers = {
  async CreateJob(request: any, ctx: CallContext) {
    received.push({ rpc: 'CreateJob', request, role: ctx.role });
    if (request.job_id === 'Bad') throw invalidField('job_id', 'must be lowercase');
    if (jobs.has(request.job_id)) throw jobAlreadyExists(request.job_id);
    const job = { ...request, status: 'pending', run: 0, created_at: '2025-01-01T00:00:00Z', progress: { total_objects: 0, total_bytes: 2 ** 40 } };
    jobs.set(request.job_id, job);
    return job;
  },
  async GetJob(request: any, ctx: CallContext) {
    received.push({ rpc: 'GetJob', request, role: ctx.role });
    const job = jobs.get(request.job_id);
    if (!job) throw jobNotFound(request.job_id);
    return job;
  },
  async ListJobs(request: any, ctx: CallContext) {
    received.push({ rpc: 'ListJobs', request, role: ctx.role });
    return { jobs: [...jobs.values()].filter((j) => !request.status || j.status === request.status) };
  },
  async ListFailedObjects(request: any) {
    return { job_id: request.job_id };
  },
  async StartJob(request: any) {
    received.push({ rpc: 'StartJob', request, role: 'admin' });
    const job = jobs.get(request.job_id);
    if (!job) throw jobNotFound(request.job_id);
    if (job.status !== 'pending') throw new FerryError('FAILED_PRECONDITION', `cannot start a job that is ${job.status}`, [{ field: 'status', reason: String(job.status) }]);
    job.status = 'running';
    return job;
  },
  async GetJobHistory() {
    throw new Error('connection string postgres://user:pw@db leaked');
  },
  async WatchJob(request: any, _ctx: CallContext, emit: (m: unknown) => Promise<void> | void, signal: AbortSignal) {
    if (!jobs.has(request.job_id)) throw jobNotFound(request.job_id);
    for (let i = 1; i <= 3; i++) await emit({ job_id: request.job_id, status: 'running', run: i });
    if (request.job_id === 'finite') return;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    watchAborted();
  },
};

let grpcServer: Awaited<ReturnType<typeof startGrpcServer>>;
let gateway: Awaited<ReturnType<typeof startHttpGateway>>;

before(async () => {
  const log = createLogger('silent');
  grpcServer = await startGrpcServer({
    address: '127.0.0.1:0',
    handlers,
    tokens: [
      { name: 'admin', token: 'admin-secret', role: 'admin' },
      { name: 'read', token: 'read-secret', role: 'read' },
    ],
    log,
  });
  // As control wires it: unary calls in process, streams over the connection.
  gateway = await startHttpGateway({
    address: '127.0.0.1:0',
    grpcTarget: `127.0.0.1:${grpcServer.port}`,
    callUnary: grpcServer.callUnary,
    log,
    routes: {
      '/healthz': (_req, res) => void res.end('ok'),
    },
  });
});

after(async () => {
  await gateway.stop();
  await grpcServer.stop();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** node:http rather than fetch, so paths reach the server unnormalised. */
function call(method: string, path: string, opts: { auth?: string; body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth) headers.authorization = opts.auth;
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    const req = http.request({ host: '127.0.0.1', port: gateway.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function assertError(reply: Reply, status: number, code: string, field?: string, message?: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  assert.equal(reply.json.error.code, code);
  assert.equal(reply.json.error.http_status, status);
  assert.equal(typeof reply.json.error.message, 'string');
  assert.ok(Array.isArray(reply.json.error.details));
  if (field) assert.ok(reply.json.error.details.some((d: { field?: string }) => d.field === field), JSON.stringify(reply.json));
  if (message) assert.match(reply.json.error.message, message);
}

function receivedCount(): number {
  return received.length;
}

test('POST /admin/batch/jobs reaches CreateJob with exactly the fields sent', async () => {
  const body = { job_id: 'alpha', source_bucket: 'src', destination_bucket: 'dst', min_size: 1024, tags: { env: 'prod' }, notify_on: ['completed'] };
  const reply = await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify(body) });
  assert.equal(reply.status, 200, reply.text);
  assert.deepEqual(received.at(-1), { rpc: 'CreateJob', request: body, role: 'admin' });
  assert.equal(reply.json.job_id, 'alpha');
  assert.equal(reply.json.progress.total_bytes, 2 ** 40, 'int64 as a JSON number');
  assert.equal('description' in reply.json, false, 'absent optional fields are omitted');
  assert.equal(Object.keys(reply.json).some((k) => k.startsWith('_')), false);
});

test('path parameters reach the handler', async () => {
  await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify({ job_id: 'beta' }) });
  const reply = await call('POST', '/admin/batch/jobs/beta/start', { auth: ADMIN });
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.json.status, 'running');
  assert.deepEqual(received.at(-1)?.request, { job_id: 'beta' });
  const got = await call('GET', '/admin/batch/jobs/beta', { auth: READ });
  assert.equal(got.status, 200);
  assert.deepEqual(received.at(-1), { rpc: 'GetJob', request: { job_id: 'beta' }, role: 'read' });
});

test('query parameters on GET /admin/batch/jobs are typed', async () => {
  const reply = await call('GET', '/admin/batch/jobs?page_size=25&status=running', { auth: READ });
  assert.equal(reply.status, 200, reply.text);
  assert.deepEqual(received.at(-1)?.request, { page_size: 25, status: 'running' });
  assert.ok(Array.isArray(reply.json.jobs));
  const before = receivedCount();
  assertError(await call('GET', '/admin/batch/jobs?page_size=lots', { auth: READ }), 400, 'INVALID_ARGUMENT', 'page_size');
  assertError(await call('GET', '/admin/batch/jobs?colour=red', { auth: READ }), 400, 'INVALID_ARGUMENT', 'colour');
  assert.equal(receivedCount(), before);
});

test('repeated fields are always in the answer: [] when empty, {} for an empty map', async () => {
  await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify({ job_id: 'plain' }) });
  const none = await call('GET', '/admin/batch/jobs?status=cancelled', { auth: READ });
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.json.jobs, []);
  const failed = await call('GET', '/admin/batch/jobs/plain/failed', { auth: READ });
  assert.deepEqual(failed.json, { job_id: 'plain', failed_objects: [] });
  const job = (await call('GET', '/admin/batch/jobs/plain', { auth: READ })).json;
  assert.deepEqual([job.notify_on, job.runs, job.first_keys, job.tags], [[], [], [], {}]);
  assert.equal(job.progress.total_objects, 0, 'int64 as a JSON number');
});

test('bad bodies are refused before reaching the handler', async () => {
  const before = receivedCount();
  const post = (body: string | Buffer, contentType?: string) => call('POST', '/admin/batch/jobs', { auth: ADMIN, body, ...(contentType ? { contentType } : {}) });
  assertError(await post('{"job_id": '), 400, 'INVALID_ARGUMENT', undefined, /not valid JSON/);
  assertError(await post('["job_id"]'), 400, 'INVALID_ARGUMENT', 'body', /JSON object/);
  assertError(await post('"a string"'), 400, 'INVALID_ARGUMENT', 'body', /JSON object/);
  assertError(await post('{"job_id":"x"}', 'text/plain'), 415, 'INVALID_ARGUMENT');
  assertError(await post('{"job_id":"x"}', 'application/json; charset=latin1'), 415, 'INVALID_ARGUMENT');
  assertError(await post('{"job_id":"x","jobId":"y"}'), 400, 'INVALID_ARGUMENT', 'jobId');
  assertError(await post('{"min_size":"10"}'), 400, 'INVALID_ARGUMENT', 'min_size');
  assertError(await post('{"job_id":{"a":1}}'), 400, 'INVALID_ARGUMENT', 'job_id');
  assertError(await post('{"tags":{"env":7}}'), 400, 'INVALID_ARGUMENT', 'tags.env');
  assertError(await post(`{"tags":${'['.repeat(40)}${']'.repeat(40)}}`), 400, 'INVALID_ARGUMENT', undefined, /deeper than 32/);
  // {"job_id":"<0xc3>("}: a two-byte sequence cut short.
  assertError(await post(Buffer.from([0x7b, 0x22, 0x6a, 0x6f, 0x62, 0x5f, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])), 400, 'INVALID_ARGUMENT', undefined, /UTF-8/);
  assertError(await post(JSON.stringify({ description: 'x'.repeat(1024 * 1024) })), 413, 'RESOURCE_EXHAUSTED');
  assert.equal(receivedCount(), before);
});

test('a chunked body over 1 MiB is cut off at the limit with 413', { timeout: 120_000 }, async () => {
  const reply = await new Promise<{ status: number; json: any; sent: number }>((resolve, reject) => {
    let sent = 0;
    let stop = false;
    const req = http.request(
      { host: '127.0.0.1', port: gateway.port, method: 'POST', path: '/admin/batch/jobs', headers: { authorization: ADMIN, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        stop = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()), sent }));
      },
    );
    req.on('error', (err) => (stop ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      // Ten times the limit: the server must answer long before we run out.
      while (!stop && sent < 10 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!stop) reject(new Error('server read the whole oversized body'));
    };
    req.write('{"description":"');
    pump();
  });
  assert.equal(reply.status, 413);
  assert.equal(reply.json.error.http_status, 413);
});

test('fetch posting a 2 MiB body gets the 413 and its JSON error', async () => {
  const before = receivedCount();
  const res = await fetch(`http://127.0.0.1:${gateway.port}/admin/batch/jobs`, {
    method: 'POST',
    headers: { authorization: ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ job_id: 'big', description: 'x'.repeat(2 * 1024 * 1024) }),
  });
  assert.equal(res.status, 413);
  const body = (await res.json()) as any;
  assert.equal(body.error.code, 'RESOURCE_EXHAUSTED');
  assert.equal(body.error.http_status, 413);
  assert.deepEqual(body.error.details, [{ field: 'body', reason: 'larger than 1048576 bytes' }]);
  assert.equal(receivedCount(), before);
});

test('a client that sends all of an oversized body before reading still reads the 413, without a reset', { timeout: 120_000 }, async () => {
  // More than the kernel buffers between client and server, so the write completes only if the server reads on.
  const size = 6 * 1024 * 1024;
  const socket = net.connect(gateway.port, '127.0.0.1');
  socket.pause();
  const chunks: Buffer[] = [];
  let error: NodeJS.ErrnoException | undefined;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', (err) => (error = err));
  socket.write(`POST /admin/batch/jobs HTTP/1.1\r\nhost: x\r\nauthorization: ${ADMIN}\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`);
  socket.write(Buffer.alloc(size, 0x20), () => {
    socket.resume();
    socket.end();
  });
  await once(socket, 'close');
  assert.equal(error, undefined, `the client saw ${error?.code}`);
  const text = Buffer.concat(chunks).toString('utf8');
  assert.match(text, /^HTTP\/1\.1 413 /);
  assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code, 'RESOURCE_EXHAUSTED');
});

test('a connection whose request head never finishes gets 408 and is closed', { timeout: 120_000 }, async () => {
  // The bound is short here; the test's timeout is the generous wait for the close.
  const quick = await startHttpGateway({ address: '127.0.0.1:0', grpcTarget: `127.0.0.1:${grpcServer.port}`, log: createLogger('silent'), headersTimeoutMs: 200 });
  try {
    for (const partialHead of ['POST /admin/batch/jobs HTTP/1.1\r\nhost: x\r\ncontent-type: app', '']) {
      const socket = net.connect(quick.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => undefined);
      socket.write(partialHead);
      await once(socket, 'close');
      const text = Buffer.concat(chunks).toString('utf8');
      assert.match(text, /^HTTP\/1\.1 408 /, JSON.stringify(partialHead));
      assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code, 'DEADLINE_EXCEEDED');
    }
  } finally {
    await quick.stop();
  }
});

test('unknown routes answer 404 and wrong methods 405, before auth', async () => {
  assertError(await call('GET', '/admin/batch/nothing-here'), 404, 'NOT_FOUND');
  assertError(await call('GET', '/'), 404, 'NOT_FOUND');
  const wrong = await call('PUT', '/admin/batch/jobs/alpha');
  assertError(wrong, 405, 'UNIMPLEMENTED');
  assert.match(String(wrong.headers.allow), /GET/);
  assert.match(String(wrong.headers.allow), /DELETE/);
  assertError(await call('POST', '/healthz'), 405, 'UNIMPLEMENTED');
});

test('bad path parameters are 400 naming the field', async () => {
  const before = receivedCount();
  for (const id of ['..', '%2e%2e', 'a%2Fb', 'a%5cb', '%E0%A4%A', '']) {
    assertError(await call('POST', `/admin/batch/jobs/${id}/start`, { auth: ADMIN }), 400, 'INVALID_ARGUMENT', 'job_id');
  }
  assert.equal(receivedCount(), before);
});

test('auth: 401 without or with an unknown token, 403 for a read token on a write, 200 for a read token on a read', async () => {
  const body = JSON.stringify({ job_id: 'gamma' });
  assertError(await call('POST', '/admin/batch/jobs', { body }), 401, 'UNAUTHENTICATED');
  assertError(await call('POST', '/admin/batch/jobs', { body, auth: 'Bearer nope' }), 401, 'UNAUTHENTICATED');
  assertError(await call('GET', '/admin/batch/jobs'), 401, 'UNAUTHENTICATED');
  assertError(await call('POST', '/admin/batch/jobs', { body, auth: READ }), 403, 'PERMISSION_DENIED');
  assert.equal(jobs.has('gamma'), false);
  assert.equal((await call('GET', '/admin/batch/jobs', { auth: READ })).status, 200);
});

test('handler errors come back mapped, with their details', async () => {
  const bad = await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify({ job_id: 'Bad' }) });
  assertError(bad, 400, 'INVALID_ARGUMENT', 'job_id');
  assert.deepEqual(bad.json.error.details, [{ field: 'job_id', reason: 'must be lowercase' }]);
  await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify({ job_id: 'dup' }) });
  const dup = await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify({ job_id: 'dup' }) });
  assertError(dup, 409, 'ALREADY_EXISTS', 'job_id');
  assertError(await call('GET', '/admin/batch/jobs/missing', { auth: READ }), 404, 'NOT_FOUND');
  assertError(await call('POST', '/admin/batch/jobs/dup/pause', { auth: ADMIN }), 501, 'UNIMPLEMENTED');
  const internal = await call('GET', '/admin/batch/jobs/dup/history', { auth: READ });
  assertError(internal, 500, 'INTERNAL');
  assert.doesNotMatch(internal.text, /postgres/);
});

test('WatchJob streams as Server-Sent Events and is cancelled when the client leaves', { timeout: 120_000 }, async () => {
  await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify({ job_id: 'watched' }) });
  const events = await new Promise<unknown[]>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: gateway.port, path: '/admin/batch/jobs/watched/watch', headers: { authorization: READ } }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      let buffer = '';
      const seen: unknown[] = [];
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          assert.match(event, /^data: /);
          seen.push(JSON.parse(event.slice('data: '.length)));
        }
        if (seen.length === 3) {
          req.destroy();
          resolve(seen);
        }
      });
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
  assert.deepEqual(events.map((e) => (e as { run: number }).run), [1, 2, 3]);
  await watchAbortedPromise;
});

test('a finished stream ends the response; a refused one keeps its HTTP status', async () => {
  await call('POST', '/admin/batch/jobs', { auth: ADMIN, body: JSON.stringify({ job_id: 'finite' }) });
  const done = await call('GET', '/admin/batch/jobs/finite/watch', { auth: READ });
  assert.equal(done.status, 200);
  assert.equal(done.text.split('\n\n').filter((e) => e.startsWith('data: ')).length, 3);
  assertError(await call('GET', '/admin/batch/jobs/nobody/watch', { auth: READ }), 404, 'NOT_FOUND');
  assertError(await call('GET', '/admin/batch/jobs/finite/watch'), 401, 'UNAUTHENTICATED');
});

test('extra routes need no token', async () => {
  const reply = await call('GET', '/healthz');
  assert.equal(reply.status, 200);
  assert.equal(reply.text, 'ok');
});
