import assert from 'node:assert/strict';
import * as http from 'node:http';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from 'nats';
import { STREAMS } from '../../libs/nats/index.js';
import { loadFerryProto } from '../../libs/transport/index.js';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

/**
 * Issue #8, point 4: a counted battery of malformed requests at every door of a real control
 * (REST gateway and gRPC), each answered as a client error, with no process crashing and
 * nothing written to the event log.
 */

const READ_TOKEN = 'battery-read-token-0123456789';
const EXISTING = 'battery-existing';
const VALID = { job_id: 'battery-new', source_bucket: 'src', destination_bucket: 'dst' };
const MIN_REST = 30;
const MIN_GRPC = 15;
const MIN_TOTAL = 40;
const PINO_ERROR = 50;

const CLIENT_ERRORS = new Set([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.NOT_FOUND,
  grpc.status.ALREADY_EXISTS,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNIMPLEMENTED,
]);

// ---------------------------------------------------------------- REST plumbing

interface Answer {
  status: number;
  text: string;
}

interface RestCase {
  name: string;
  send: (port: number) => Promise<Answer>;
  /** Exact status where the protocol fixes it (401, 403, 404, 405, 409, 413, 415, 431); any 4xx otherwise. */
  status?: number;
  /** The error must name this field (message or details). */
  field?: string;
}

interface CallOptions {
  body?: string | Buffer;
  /** null sends no Authorization header; a string is sent as the whole header value. */
  auth?: string | null;
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Stream the body with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
}

/** node:http rather than fetch, so paths reach the server exactly as written (fetch resolves `..`). */
function call(port: number, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth === undefined ? `Bearer ${TEST_TOKEN}` : opts.auth;
    if (auth !== null) headers.authorization = auth;
    if (opts.body !== undefined) {
      const type = opts.contentType === undefined ? 'application/json' : opts.contentType;
      if (type !== null) headers['content-type'] = type;
      if (opts.chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer an oversized body and close before it has all been written.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    req.end(opts.body);
  });
}

/** Bytes straight onto a socket, for requests no HTTP client will send. */
function raw(port: number, bytes: string | Buffer, opts: { halfClose?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (): boolean => {
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return false;
      const head = received.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      const body = received.subarray(end + 4);
      if (length !== undefined && body.length < Number(length)) return false;
      done = true;
      socket.destroy();
      resolve({ status, text: body.subarray(0, length === undefined ? body.length : Number(length)).toString('utf8') });
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      finish();
    });
    socket.on('end', () => {
      if (!done && !finish()) reject(new Error(`connection closed without a complete answer: ${JSON.stringify(received.toString('latin1'))}`));
    });
    socket.on('error', (err) => (done ? undefined : reject(err)));
    socket.write(bytes, () => {
      if (opts.halfClose) socket.end();
    });
  });
}

const post = (body: string | Buffer, opts: CallOptions = {}) => (port: number) => call(port, 'POST', '/admin/batch/jobs', { body, ...opts });
const postJson = (value: unknown, opts: CallOptions = {}) => post(JSON.stringify(value), opts);
const get = (path: string, opts: CallOptions = {}) => (port: number) => call(port, 'GET', path, opts);
const method = (verb: string, path: string, opts: CallOptions = {}) => (port: number) => call(port, verb, path, opts);
const rawRequest = (lines: string[], body = '', opts: { halfClose?: boolean } = {}) => (port: number) =>
  raw(port, `${lines.join('\r\n')}\r\n\r\n${body}`, opts);

const validBody = (name: string, change: Record<string, unknown>) => ({ ...VALID, job_id: `battery-${name}`, ...change });
const manyTags = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v']));
const invalidUtf8InBody = Buffer.concat([Buffer.from('{"job_id":"battery-utf8",'), Buffer.from([0xff, 0xfe]), Buffer.from('"source_bucket":"src","destination_bucket":"dst"}')]);
const invalidUtf8InField = Buffer.concat([Buffer.from('{"job_id":"battery-utf8b","source_bucket":"src","destination_bucket":"dst","description":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);

const REST_CASES: RestCase[] = [
  // Bodies that are not a JSON object.
  { name: 'malformed JSON', send: post('{"job_id": "battery-m", '), status: 400 },
  { name: 'truncated JSON text', send: post(JSON.stringify(validBody('trunc', {})).slice(0, 25)), status: 400 },
  {
    name: 'body shorter than its Content-Length (client hangs up mid-body)',
    send: rawRequest(['POST /admin/batch/jobs HTTP/1.1', 'Host: x', `Authorization: Bearer ${TEST_TOKEN}`, 'Content-Type: application/json', 'Content-Length: 200'], '{"job_id":"battery-cut"', { halfClose: true }),
    status: 400,
  },
  { name: 'empty body', send: post(''), status: 400, field: 'job_id' },
  { name: 'whitespace-only body', send: post('   \n'), status: 400 },
  { name: 'JSON array instead of an object', send: post('[{"job_id":"battery-arr"}]'), status: 400, field: 'body' },
  { name: 'JSON string instead of an object', send: post('"battery-str"'), status: 400, field: 'body' },
  { name: 'JSON number instead of an object', send: post('42'), status: 400, field: 'body' },
  { name: 'JSON null instead of an object', send: post('null'), status: 400, field: 'body' },
  { name: 'JSON true instead of an object', send: post('true'), status: 400, field: 'body' },
  { name: 'body over 1 MiB with a Content-Length', send: postJson(validBody('huge', { description: 'x'.repeat(1024 * 1024 + 10) })), status: 413, field: 'body' },
  { name: 'chunked body over 1 MiB', send: postJson(validBody('huge2', { description: 'x'.repeat(2 * 1024 * 1024) }), { chunked: true }), status: 413, field: 'body' },
  { name: '100,000 levels of [', send: post('['.repeat(100_000)), status: 400 },
  { name: 'deep nesting inside a field', send: post(`{"job_id":"battery-deep","tags":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`), status: 400 },
  // Wrong types, one per kind of field.
  { name: 'number for a string (job_id)', send: postJson(validBody('t1', { job_id: 12345 })), status: 400, field: 'job_id' },
  { name: 'string for an integer (concurrency)', send: postJson(validBody('t2', { concurrency: '20' })), status: 400, field: 'concurrency' },
  { name: 'fraction for an integer (min_size)', send: postJson(validBody('t3', { min_size: 1.5 })), status: 400, field: 'min_size' },
  { name: 'integer beyond int32 (concurrency 1e20)', send: post('{"job_id":"battery-t4","source_bucket":"src","destination_bucket":"dst","concurrency":1e20}'), status: 400, field: 'concurrency' },
  { name: 'bool for an integer (priority)', send: postJson(validBody('t5', { priority: true })), status: 400, field: 'priority' },
  { name: 'string for a bool (dry_run)', send: postJson(validBody('t6', { dry_run: 'yes' })), status: 400, field: 'dry_run' },
  { name: 'object for a string (description)', send: postJson(validBody('t7', { description: { text: 'x' } })), status: 400, field: 'description' },
  { name: 'object for an array (notify_on)', send: postJson(validBody('t8', { notify_on: { completed: true } })), status: 400, field: 'notify_on' },
  { name: 'array for a map (tags)', send: postJson(validBody('t9', { tags: ['env=prod'] })), status: 400, field: 'tags' },
  { name: 'number inside a map (tags.env)', send: postJson(validBody('t10', { tags: { env: 7 } })), status: 400, field: 'tags.env' },
  { name: 'string for a message (schedule)', send: postJson(validBody('t11', { schedule: '0 2 * * *' })), status: 400, field: 'schedule' },
  // Encoding.
  { name: 'invalid UTF-8 bytes in the body', send: post(invalidUtf8InBody), status: 400 },
  { name: 'invalid UTF-8 bytes in a field', send: post(invalidUtf8InField), status: 400 },
  { name: 'lone surrogate escape in a field', send: post('{"job_id":"battery-sur","source_bucket":"src","destination_bucket":"dst","description":"a\\ud800b"}'), status: 400, field: 'description' },
  // Oversize fields.
  { name: 'job_id of 10 KB', send: postJson(validBody('x', { job_id: 'j'.repeat(10 * 1024) })), status: 400, field: 'job_id' },
  { name: 'prefix of 100 KB', send: postJson(validBody('big-prefix', { prefix: 'p'.repeat(100 * 1024) })), status: 400, field: 'prefix' },
  { name: '10,000 tags', send: postJson(validBody('many-tags', { tags: manyTags })), status: 400, field: 'tags' },
  { name: 'notify_on with 10,000 entries', send: postJson(validBody('many-notify', { notify_on: Array(10_000).fill('completed') })), status: 400, field: 'notify_on' },
  { name: 'destination_endpoint of 100 KB', send: postJson(validBody('long-url', { destination_endpoint: `http://${'a'.repeat(100 * 1024)}.example` })), status: 400, field: 'destination_endpoint' },
  // Unknown fields.
  { name: 'unknown top-level field', send: postJson(validBody('u1', { colour: 'blue' })), status: 400, field: 'colour' },
  { name: 'unknown nested field', send: postJson(validBody('u2', { schedule: { cron: '0 2 * * *', colour: 'blue' } })), status: 400, field: 'schedule.colour' },
  { name: '__proto__ key', send: post('{"job_id":"battery-proto","source_bucket":"src","destination_bucket":"dst","__proto__":{"admin":true}}'), status: 400, field: '__proto__' },
  // Authorization.
  { name: 'no Authorization header', send: postJson(validBody('a1', {}), { auth: null }), status: 401 },
  { name: 'Authorization without "Bearer"', send: postJson(validBody('a2', {}), { auth: TEST_TOKEN }), status: 401 },
  { name: '"Bearer" with no token', send: postJson(validBody('a3', {}), { auth: 'Bearer' }), status: 401 },
  { name: 'Basic credentials', send: postJson(validBody('a4', {}), { auth: `Basic ${Buffer.from(`admin:${TEST_TOKEN}`).toString('base64')}` }), status: 401 },
  { name: 'wrong token', send: postJson(validBody('a5', {}), { auth: 'Bearer not-the-token-0123456789' }), status: 401 },
  { name: 'two tokens in one header', send: postJson(validBody('a6', {}), { auth: `Bearer ${TEST_TOKEN} ${TEST_TOKEN}` }), status: 401 },
  { name: 'token of 10 KB', send: postJson(validBody('a7', {}), { auth: `Bearer ${'t'.repeat(10 * 1024)}` }), status: 401 },
  {
    name: 'non-ASCII bytes in the Authorization header',
    send: (port) => raw(port, Buffer.concat([Buffer.from('GET /admin/batch/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer '), Buffer.from([0xe9, 0xff]), Buffer.from('\r\n\r\n')])),
    status: 401,
  },
  { name: 'read token creating a job', send: postJson(validBody('a8', {}), { auth: `Bearer ${READ_TOKEN}` }), status: 403 },
  { name: 'read token deleting a job', send: method('DELETE', `/admin/batch/jobs/${EXISTING}`, { auth: `Bearer ${READ_TOKEN}` }), status: 403 },
  { name: 'read token starting a job', send: method('POST', `/admin/batch/jobs/${EXISTING}/start`, { auth: `Bearer ${READ_TOKEN}` }), status: 403 },
  // Content types.
  { name: 'text/plain body', send: postJson(validBody('c1', {}), { contentType: 'text/plain' }), status: 415, field: 'content-type' },
  { name: 'JSON declared as latin1', send: postJson(validBody('c2', {}), { contentType: 'application/json; charset=latin1' }), status: 415, field: 'content-type' },
  { name: 'form-encoded body', send: post('job_id=battery-c3&source_bucket=src', { contentType: 'application/x-www-form-urlencoded' }), status: 415, field: 'content-type' },
  { name: 'body without a content type', send: postJson(validBody('c4', {}), { contentType: null }), status: 415, field: 'content-type' },
  // Paths.
  { name: 'encoded ../ in the job id', send: get('/admin/batch/jobs/..%2F..%2Fetc'), status: 400, field: 'job_id' },
  { name: 'raw ../../ in the path', send: get('/admin/batch/jobs/../../x'), status: 404 },
  { name: '.. as the job id', send: method('POST', '/admin/batch/jobs/../start'), status: 400, field: 'job_id' },
  { name: 'encoded NUL in the job id', send: get('/admin/batch/jobs/a%00b'), status: 400, field: 'job_id' },
  { name: 'broken percent-encoding', send: get('/admin/batch/jobs/%ZZ'), status: 400, field: 'job_id' },
  { name: 'percent-encoded invalid UTF-8', send: get('/admin/batch/jobs/%FF%FE'), status: 400, field: 'job_id' },
  { name: 'job id of 10 KB in the path', send: get(`/admin/batch/jobs/${'i'.repeat(10 * 1024)}`), status: 400, field: 'job_id' },
  { name: 'space in the job id', send: get('/admin/batch/jobs/a%20b'), status: 400, field: 'job_id' },
  { name: 'NATS wildcard * as the job id', send: method('POST', '/admin/batch/jobs/*/pause'), status: 400, field: 'job_id' },
  { name: 'NATS wildcard > as the job id', send: get('/admin/batch/jobs/%3E/history'), status: 400, field: 'job_id' },
  { name: 'non-ASCII job id', send: get('/admin/batch/jobs/caf%C3%A9/failed'), status: 400, field: 'job_id' },
  // Methods.
  { name: 'PUT on the collection', send: method('PUT', '/admin/batch/jobs', { body: JSON.stringify(VALID) }), status: 405 },
  { name: 'PUT on a job', send: method('PUT', `/admin/batch/jobs/${EXISTING}`, { body: '{}' }), status: 405 },
  { name: 'PATCH on a job changing nothing', send: method('PATCH', `/admin/batch/jobs/${EXISTING}`, { body: '{}' }), status: 400 },
  { name: 'DELETE on the collection', send: method('DELETE', '/admin/batch/jobs'), status: 405 },
  { name: 'GET on an action', send: get(`/admin/batch/jobs/${EXISTING}/start`), status: 405 },
  { name: 'POST on /healthz', send: method('POST', '/healthz'), status: 405 },
  { name: 'unknown path', send: get('/admin/batch/nothing-here'), status: 404 },
  { name: 'method no HTTP parser knows', send: rawRequest(['FROB /admin/batch/jobs HTTP/1.1', 'Host: x', 'Connection: close']), status: 400 },
  // Malformed HTTP.
  { name: 'Content-Length and Transfer-Encoding together', send: rawRequest(['POST /admin/batch/jobs HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 2', 'Transfer-Encoding: chunked', 'Connection: close'], '{}'), status: 400 },
  { name: 'control character in a header', send: rawRequest(['GET /admin/batch/jobs HTTP/1.1', 'Host: x', `Authorization: Bearer ${TEST_TOKEN}\x01`, 'Connection: close']), status: 400 },
  { name: 'headers over 16 KB', send: rawRequest(['GET /admin/batch/jobs HTTP/1.1', 'Host: x', `X-Padding: ${'p'.repeat(20 * 1024)}`, 'Connection: close']), status: 431 },
  // Query strings.
  { name: 'page_size=-1', send: get('/admin/batch/jobs?page_size=-1'), status: 400, field: 'page_size' },
  { name: 'page_size=abc', send: get('/admin/batch/jobs?page_size=abc'), status: 400, field: 'page_size' },
  { name: 'page_size beyond int32', send: get('/admin/batch/jobs?page_size=99999999999'), status: 400, field: 'page_size' },
  { name: 'page_size over the maximum', send: get('/admin/batch/jobs?page_size=5000'), status: 400, field: 'page_size' },
  { name: 'status=bogus', send: get('/admin/batch/jobs?status=bogus'), status: 400, field: 'status' },
  { name: 'status given twice', send: get('/admin/batch/jobs?status=running&status=paused'), status: 400, field: 'status' },
  { name: 'unknown query parameter', send: get('/admin/batch/jobs?colour=blue'), status: 400, field: 'colour' },
  { name: 'as_of=garbage', send: get(`/admin/batch/jobs/${EXISTING}?as_of=garbage`), status: 400, field: 'as_of' },
  { name: 'as_of=garbage on as-of', send: get(`/admin/batch/jobs/${EXISTING}/as-of?as_of=yesterday`), status: 400, field: 'as_of' },
  { name: 'page_token not issued by the server', send: get(`/admin/batch/jobs/${EXISTING}/history?page_token=zzz`), status: 400, field: 'page_token' },
  { name: 'query string on a body route', send: (port) => call(port, 'POST', '/admin/batch/jobs?dry_run=true', { body: JSON.stringify(validBody('q1', {})) }), status: 400, field: 'dry_run' },
  // State.
  { name: 'duplicate create of an existing job', send: postJson({ ...VALID, job_id: EXISTING }), status: 409, field: 'job_id' },
  { name: 'pause of a pending job', send: method('POST', `/admin/batch/jobs/${EXISTING}/pause`), status: 409, field: 'status' },
  { name: 'start of an unknown job', send: method('POST', '/admin/batch/jobs/battery-nobody/start'), status: 404 },
  { name: 'watch of an unknown job', send: get('/admin/batch/jobs/battery-nobody/watch'), status: 404 },
];

// ---------------------------------------------------------------- gRPC plumbing

interface GrpcCase {
  name: string;
  call: (client: grpc.Client) => Promise<grpc.ServiceError | undefined>;
  code: grpc.status;
}

const proto = loadFerryProto();

function metadata(authorization: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', authorization);
  return md;
}
function tokenUnder(key: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(key, `Bearer ${TEST_TOKEN}`);
  return md;
}
const admin = () => metadata(`Bearer ${TEST_TOKEN}`);
const reader = () => metadata(`Bearer ${READ_TOKEN}`);

function unary(rpc: string, request: object, md: grpc.Metadata = admin()) {
  return (client: grpc.Client) =>
    new Promise<grpc.ServiceError | undefined>((resolve) => {
      const def = proto.service[rpc]!;
      client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, request, md, {}, (err) => resolve(err ?? undefined));
    });
}

/** Bytes as the request message, bypassing the client-side serializer. */
function unaryBytes(path: string, bytes: Buffer, md: grpc.Metadata = admin()) {
  return (client: grpc.Client) =>
    new Promise<grpc.ServiceError | undefined>((resolve) => {
      client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, bytes, md, {}, (err) => resolve(err ?? undefined));
    });
}

function serverStream(rpc: string, request: object, md: grpc.Metadata = admin()) {
  return (client: grpc.Client) =>
    new Promise<grpc.ServiceError | undefined>((resolve) => {
      const def = proto.service[rpc]!;
      const stream = client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, request, md, {});
      stream.on('data', () => undefined);
      stream.on('error', (err: grpc.ServiceError) => resolve(err));
      stream.on('end', () => resolve(undefined));
    });
}

const spec = (name: string, change: Record<string, unknown> = {}) => ({ ...VALID, job_id: `battery-g-${name}`, ...change });
const createJobPath = proto.service.CreateJob!.path;
// A valid JobSpec followed by field 1 (job_id, a string) as a varint: tag (1 << 3) | 0, then 150.
// Read as a string, 150 is a length running past the end of the message.
const wrongWireType = Buffer.concat([proto.service.CreateJob!.requestSerialize(spec('wire')), Buffer.from([0x08, 0x96, 0x01])]);

const GRPC_CASES: GrpcCase[] = [
  { name: 'CreateJob without metadata', call: unary('CreateJob', spec('m1'), new grpc.Metadata()), code: grpc.status.UNAUTHENTICATED },
  { name: 'CreateJob with a wrong token', call: unary('CreateJob', spec('m2'), metadata('Bearer not-the-token-0123456789')), code: grpc.status.UNAUTHENTICATED },
  { name: 'CreateJob with Basic credentials', call: unary('CreateJob', spec('m3'), metadata(`Basic ${TEST_TOKEN}`)), code: grpc.status.UNAUTHENTICATED },
  { name: 'ListJobs with the token under another key', call: unary('ListJobs', {}, tokenUnder('x-api-key')), code: grpc.status.UNAUTHENTICATED },
  { name: 'GetJob with an empty bearer token', call: unary('GetJob', { job_id: EXISTING }, metadata('Bearer ')), code: grpc.status.UNAUTHENTICATED },
  { name: 'CreateJob with the read token', call: unary('CreateJob', spec('r1'), reader()), code: grpc.status.PERMISSION_DENIED },
  { name: 'StartJob with the read token', call: unary('StartJob', { job_id: EXISTING }, reader()), code: grpc.status.PERMISSION_DENIED },
  { name: 'DeleteJob with the read token', call: unary('DeleteJob', { job_id: EXISTING }, reader()), code: grpc.status.PERMISSION_DENIED },
  { name: 'CreateJob with negative concurrency', call: unary('CreateJob', spec('f1', { concurrency: -5 })), code: grpc.status.INVALID_ARGUMENT },
  { name: 'CreateJob with a ../ job_id', call: unary('CreateJob', spec('f2', { job_id: '../etc' })), code: grpc.status.INVALID_ARGUMENT },
  { name: 'CreateJob without source_bucket', call: unary('CreateJob', { job_id: 'battery-g-f3', destination_bucket: 'dst' }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'CreateJob with an unknown retry_backoff', call: unary('CreateJob', spec('f4', { retry_backoff: 'sideways' })), code: grpc.status.INVALID_ARGUMENT },
  { name: 'CreateJob with min_size over max_size', call: unary('CreateJob', spec('f5', { min_size: 10, max_size: 1 })), code: grpc.status.INVALID_ARGUMENT },
  { name: 'CreateJob with 10,000 tags', call: unary('CreateJob', spec('f6', { tags: manyTags })), code: grpc.status.INVALID_ARGUMENT },
  { name: 'ListJobs with status bogus', call: unary('ListJobs', { status: 'bogus' }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'ListJobs with page_size -1', call: unary('ListJobs', { page_size: -1 }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'GetJob with as_of garbage', call: unary('GetJob', { job_id: EXISTING, as_of: 'garbage' }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'ListFailedObjects with a forged page_token', call: unary('ListFailedObjects', { job_id: EXISTING, page_token: 'zzz' }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'GetJob with an empty job_id', call: unary('GetJob', { job_id: '' }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'GetJob with a wildcard job_id', call: unary('GetJob', { job_id: 'a.*.>' }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'PauseJob with a job_id of 10 KB', call: unary('PauseJob', { job_id: 'p'.repeat(10 * 1024) }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'GetJobHistory with a ../ job_id', call: unary('GetJobHistory', { job_id: '../../etc/passwd' }), code: grpc.status.INVALID_ARGUMENT },
  { name: 'GetJob of an unknown job', call: unary('GetJob', { job_id: 'battery-nobody' }), code: grpc.status.NOT_FOUND },
  { name: 'StartJob of an unknown job', call: unary('StartJob', { job_id: 'battery-nobody' }), code: grpc.status.NOT_FOUND },
  { name: 'WatchJob of an unknown job', call: serverStream('WatchJob', { job_id: 'battery-nobody' }), code: grpc.status.NOT_FOUND },
  { name: 'CreateJob of an existing job', call: unary('CreateJob', { ...VALID, job_id: EXISTING }), code: grpc.status.ALREADY_EXISTS },
  { name: 'ResumeJob of a pending job', call: unary('ResumeJob', { job_id: EXISTING }), code: grpc.status.FAILED_PRECONDITION },
  { name: 'RetryFailed of a pending job', call: unary('RetryFailed', { job_id: EXISTING }), code: grpc.status.FAILED_PRECONDITION },
  { name: 'CreateJob of 5 MiB, over the receive limit', call: unary('CreateJob', spec('big', { description: 'x'.repeat(5 * 1024 * 1024) })), code: grpc.status.RESOURCE_EXHAUSTED },
  { name: 'bytes that are not a protobuf message', call: unaryBytes(createJobPath, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0a])), code: grpc.status.INVALID_ARGUMENT },
  { name: 'job_id with the wrong wire type', call: unaryBytes(createJobPath, wrongWireType), code: grpc.status.INVALID_ARGUMENT },
  { name: 'an RPC the service does not have', call: unaryBytes('/ferry.v1.BatchJobs/DropAllJobs', Buffer.alloc(0)), code: grpc.status.UNIMPLEMENTED },
];

// ---------------------------------------------------------------- the battery

interface Snapshot {
  lastSeq: Record<string, number>;
  jobs: Array<{ job_id: string; status: string; run: number }>;
}


function mentions(error: { message: string; details?: Array<{ field?: string }> }, field: string): boolean {
  return error.message.includes(field) || (error.details ?? []).some((d) => d.field === field);
}

const errorLines = (p: FerryProcess) => p.logs.filter((l) => typeof l.level === 'number' && l.level >= PINO_ERROR);

describe('the counted bad-input battery against a real control and projector', () => {
  let env: TestEnv;
  let control: FerryProcess;
  let projector: FerryProcess;
  let projectorMetricsPort: number;
  let nc: NatsConnection;
  let client: grpc.Client;
  let before_: Snapshot;
  let errorsBefore: { control: number; projector: number };
  const answered = { rest: 0, grpc: 0 };

  async function snapshot(): Promise<Snapshot> {
    const jsm = await nc.jetstreamManager();
    const lastSeq: Record<string, number> = {};
    for (const stream of Object.values(STREAMS)) lastSeq[stream] = (await jsm.streams.info(stream)).state.last_seq;
    const list = await rest<{ jobs: Array<{ job_id: string; status: string; run: number }> }>(control.httpPort!, 'GET', '/admin/batch/jobs?page_size=1000');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    return { lastSeq, jobs: list.body.jobs.map(({ job_id, status, run }) => ({ job_id, status, run })) };
  }

  before(async () => {
    env = await startTestEnv('bad-input-battery', 1);
    const dataDir = join(env.dir, 'ferry');
    projector = await startFerry('projector', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir,
      extraEnv: { FERRY_METRICS_ADDR: '127.0.0.1:0' },
    });
    projectorMetricsPort = projector.metricsPort!;
    control = await startFerry('control', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir, extraEnv: { FERRY_READ_TOKEN: READ_TOKEN } });
    client = new grpc.Client(`127.0.0.1:${control.grpcPort}`, grpc.credentials.createInsecure());
    nc = await connect({ servers: env.nats.url });

    // The one job created on purpose, for the duplicate and state cases; taken before the snapshot.
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { ...VALID, job_id: EXISTING });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    before_ = await waitFor('the created job in the read model', async () => {
      const s = await snapshot();
      return s.jobs.some((j) => j.job_id === EXISTING) ? s : undefined;
    }, 120_000);
    errorsBefore = { control: errorLines(control).length, projector: errorLines(projector).length };
  });

  after(async () => {
    client?.close();
    await nc?.close();
    await control?.stop();
    await projector?.stop();
    await env?.stop();
  });

  it(`holds at least ${MIN_REST} REST and ${MIN_GRPC} gRPC cases, ${MIN_TOTAL} in all`, () => {
    assert.ok(REST_CASES.length >= MIN_REST, `${REST_CASES.length} REST cases`);
    assert.ok(GRPC_CASES.length >= MIN_GRPC, `${GRPC_CASES.length} gRPC cases`);
    assert.ok(REST_CASES.length + GRPC_CASES.length >= MIN_TOTAL);
    assert.equal(new Set([...REST_CASES, ...GRPC_CASES].map((c) => c.name)).size, REST_CASES.length + GRPC_CASES.length, 'case names are unique');
  });

  for (const c of REST_CASES) {
    it(`REST: ${c.name} → ${c.status ?? '4xx'} with a JSON error${c.field ? ` naming ${c.field}` : ''}`, async () => {
      const answer = await c.send(control.httpPort!);
      assert.ok(answer.status >= 400 && answer.status < 500, `status ${answer.status}: ${answer.text.slice(0, 500)}`);
      if (c.status !== undefined) assert.equal(answer.status, c.status, answer.text.slice(0, 500));
      let body: { error?: { message?: unknown; details?: Array<{ field?: string }> } };
      try {
        body = JSON.parse(answer.text);
      } catch {
        assert.fail(`not JSON: ${JSON.stringify(answer.text.slice(0, 200))}`);
      }
      assert.equal(typeof body.error, 'object', answer.text);
      assert.ok(typeof body.error!.message === 'string' && body.error!.message.length > 0, answer.text);
      if (c.field) assert.ok(mentions(body.error as { message: string }, c.field), `error names ${c.field}: ${answer.text.slice(0, 500)}`);
      answered.rest++;
    });
  }

  for (const c of GRPC_CASES) {
    it(`gRPC: ${c.name} → ${grpc.status[c.code]}`, async () => {
      const err = await c.call(client);
      assert.ok(err, 'the call succeeded');
      assert.ok(CLIENT_ERRORS.has(err.code), `${grpc.status[err.code]}: ${err.details}`);
      assert.equal(err.code, c.code, `${grpc.status[err.code]}: ${err.details}`);
      assert.ok(err.details.length > 0, 'a details message');
      answered.grpc++;
    });
  }

  it('leaves both processes up, logs no errors and writes nothing', async (t) => {
    const total = REST_CASES.length + GRPC_CASES.length;
    for (const p of [control, projector]) assert.ok(p.child.exitCode === null && p.child.signalCode === null, 'process still running');
    assert.equal((await fetch(`http://127.0.0.1:${control.httpPort}/healthz`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${projectorMetricsPort}/healthz`)).status, 200);
    assert.deepEqual(errorLines(control).slice(errorsBefore.control), [], 'control logged no errors');
    assert.deepEqual(errorLines(projector).slice(errorsBefore.projector), [], 'projector logged no errors');

    const after_ = await snapshot();
    assert.deepEqual(after_.lastSeq, before_.lastSeq, 'no event, work item or task was appended');
    assert.deepEqual(after_.jobs, before_.jobs, 'the job list is unchanged');
    assert.deepEqual(answered, { rest: REST_CASES.length, grpc: GRPC_CASES.length }, 'every case answered as a client error');

    t.diagnostic(`${total} malformed requests (${REST_CASES.length} REST, ${GRPC_CASES.length} gRPC): all 4xx/client errors, 0 crashes, 0 writes`);
  });
});
