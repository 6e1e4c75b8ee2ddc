import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { createLogger } from '../../libs/log/logger.js';
import { loadFerryProto, startGrpcServer, startHttpGateway, type CallContext } from '../../libs/transport/index.js';

const log = createLogger('silent');
const tokens = [
  { name: 'admin', token: 'admin-secret', role: 'admin' as const },
  { name: 'read', token: 'read-secret', role: 'read' as const },
];
const received: unknown[] = [];

let server: Awaited<ReturnType<typeof startGrpcServer>>;
let client: grpc.Client;
const proto = loadFerryProto();

before(async () => {
  server = await startGrpcServer({
    address: '127.0.0.1:0',
    tokens,
    log,
    handlers: {
      async CreateJob(request: unknown, ctx: CallContext) {
        received.push(request);
        return { job_id: (request as { job_id: string }).job_id, status: ctx.role };
      },
    },
  });
  client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});

after(async () => {
  client.close();
  await server.stop();
});

function unary(rpc: string, request: object, token?: string): Promise<unknown> {
  const def = proto.service[rpc]!;
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, request, md, {}, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

async function grpcCode(p: Promise<unknown>): Promise<grpc.status> {
  try {
    await p;
    return grpc.status.OK;
  } catch (err) {
    return (err as grpc.ServiceError).code;
  }
}

test('a gRPC call with an admin token reaches the handler with only the fields sent', async () => {
  const res = await unary('CreateJob', { job_id: 'j1', description: 'd' }, 'admin-secret');
  assert.equal((res as { job_id: string }).job_id, 'j1');
  assert.deepEqual(received.at(-1), { job_id: 'j1', description: 'd' });
});

test('a gRPC call without a token, or with an unknown one, is UNAUTHENTICATED; a read token on a write is PERMISSION_DENIED', async () => {
  const before = received.length;
  assert.equal(await grpcCode(unary('CreateJob', { job_id: 'j2' })), grpc.status.UNAUTHENTICATED);
  assert.equal(await grpcCode(unary('CreateJob', { job_id: 'j2' }, 'guess')), grpc.status.UNAUTHENTICATED);
  assert.equal(await grpcCode(unary('CreateJob', { job_id: 'j2' }, 'read-secret')), grpc.status.PERMISSION_DENIED);
  assert.equal(received.length, before);
});

test('a gRPC request over 1 MiB is RESOURCE_EXHAUSTED and reaches no handler', async () => {
  const before = received.length;
  assert.equal(await grpcCode(unary('CreateJob', { job_id: 'big', description: 'x'.repeat(2 * 1024 * 1024) }, 'admin-secret')), grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(received.length, before);
  // The connection is still good for a request within the limit.
  const res = await unary('CreateJob', { job_id: 'small', description: 'x'.repeat(1000 * 1024) }, 'admin-secret');
  assert.equal((res as { job_id: string }).job_id, 'small');
});

test('an RPC without a handler answers UNIMPLEMENTED', async () => {
  assert.equal(await grpcCode(unary('GetJob', { job_id: 'j1' }, 'read-secret')), grpc.status.UNIMPLEMENTED);
});

test('health checking answers SERVING without a token', async () => {
  const health = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String })) as any;
  const hc = new health.grpc.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  try {
    for (const service of ['', 'ferry.v1.BatchJobs']) {
      const res = await new Promise<{ status: string }>((resolve, reject) => hc.Check({ service }, (err: Error | null, r: { status: string }) => (err ? reject(err) : resolve(r))));
      assert.equal(res.status, 'SERVING');
    }
  } finally {
    hc.close();
  }
});

test('server reflection lists the Ferry service without a token', async () => {
  const reflectionRoot = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '..', 'proto');
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync('grpc/reflection/v1/reflection.proto', { keepCase: true, includeDirs: [reflectionRoot] })) as any;
  const rc = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  try {
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = rc.ServerReflectionInfo();
      call.on('data', (res: { list_services_response: { service: { name: string }[] } }) => {
        resolve(res.list_services_response.service.map((s) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    assert.ok(names.includes('ferry.v1.BatchJobs'), names.join(','));
  } finally {
    rc.close();
  }
});

test('an annotated RPC added to the proto gets a REST route with no code change', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-proto-'));
  try {
    const original = await readFile(new URL('../../../proto/ferry/v1/jobs.proto', import.meta.url), 'utf8');
    const extended = original.replace(
      'service BatchJobs {',
      'service BatchJobs {\n  rpc GetJobStats(JobRef) returns (Progress) {\n    option (google.api.http) = { get: "/admin/batch/jobs/{job_id}/stats" };\n  }',
    );
    assert.notEqual(extended, original);
    await mkdir(join(dir, 'ferry/v1'), { recursive: true });
    await writeFile(join(dir, 'ferry/v1/jobs.proto'), extended);

    const extendedProto = loadFerryProto({ protoRoot: dir });
    assert.ok(extendedProto.methods.some((m) => m.rpc.name === 'GetJobStats' && m.httpMethod === 'GET'));
    const grpcServer = await startGrpcServer({
      address: '127.0.0.1:0',
      tokens,
      log,
      proto: extendedProto,
      handlers: { GetJobStats: async (request: { job_id: string }) => ({ total_objects: request.job_id.length, listing_complete: true }) },
    });
    const gateway = await startHttpGateway({ address: '127.0.0.1:0', grpcTarget: `127.0.0.1:${grpcServer.port}`, log, proto: extendedProto });
    try {
      const res = await fetch(`http://127.0.0.1:${gateway.port}/admin/batch/jobs/abcd/stats`, { headers: { authorization: 'Bearer read-secret' } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { total_objects: 4, listing_complete: true });
    } finally {
      await gateway.stop();
      await grpcServer.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
