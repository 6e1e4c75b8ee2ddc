import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { Writable } from 'node:stream';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { jobNotFound } from '../../libs/domain/errors.js';
import { ApiCertificates, loadFerryProto, startGrpcServer, startHttpGateway, type ApiTlsFiles, type ServiceHandlers } from '../../libs/transport/index.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeApiTestCertificates, type ApiTestCertificates, type CertificateFiles } from '../harness/testCertificates.js';
import { waitFor } from '../harness/waitFor.js';

/**
 * The API's two ports over TLS, in-process: the gRPC server and the REST gateway as control starts them,
 * with certificates made by the openssl CLI for this test. Every refusal is asserted on what the client
 * is told, and a renewed certificate on what a new connection is served.
 */

const proto = loadFerryProto();
const TOKEN = 'admin-secret';
const dir = makeTempDir('api-tls');
let certs: ApiTestCertificates;

/** Log lines, kept to assert on the warnings a broken renewal logs. */
const logged: Array<Record<string, unknown>> = [];
const log = pino(
  { level: 'debug', base: undefined },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);

const handlers: ServiceHandlers = {
  async GetJob(request: any) {
    if (request.job_id !== 'known') throw jobNotFound(request.job_id);
    return { job_id: 'known', status: 'running' };
  },
};

interface Api {
  certificates: ApiCertificates;
  grpcPort: number;
  httpPort: number;
  stop(): Promise<void>;
}

/** Both ports with TLS, the gateway calling gRPC over its private socket, as control wires them. */
async function startApi(files: ApiTlsFiles): Promise<Api> {
  const certificates = ApiCertificates.open(files, log);
  certificates.watch(50);
  const grpcServer = await startGrpcServer({ address: '127.0.0.1:0', handlers, tokens: [{ name: 'admin', token: TOKEN, role: 'admin' }], log, tls: certificates });
  const gateway = await startHttpGateway({
    address: '127.0.0.1:0',
    grpcTarget: grpcServer.localTarget,
    log,
    tls: certificates,
    routes: { '/healthz': (_req, res) => void res.end('ok') },
  });
  return {
    certificates,
    grpcPort: grpcServer.port,
    httpPort: gateway.port,
    async stop() {
      certificates.stop();
      await gateway.stop();
      await grpcServer.stop();
    },
  };
}

interface ClientFiles {
  ca?: string;
  client?: CertificateFiles;
}

const pem = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));

interface Reply {
  status: number;
  json: any;
}

/** A REST GET over HTTPS with the token; rejects with the TLS error when the handshake fails. */
function httpsGet(port: number, path: string, files: ClientFiles): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        ca: pem(files.ca),
        cert: pem(files.client?.certFile),
        key: pem(files.client?.keyFile),
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text.startsWith('{') ? JSON.parse(text) : text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The same GET in plain text, to the HTTPS port. */
function httpGet(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GetJob over gRPC; resolves to the error (code and details) or the answer. */
function grpcGetJob(port: number, credentials: grpc.ChannelCredentials): Promise<{ code: grpc.status; details: string; job?: any }> {
  const client = new grpc.Client(`127.0.0.1:${port}`, credentials);
  const def = proto.service.GetJob!;
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  return new Promise((resolve) =>
    client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, { job_id: 'known' }, metadata, { deadline: Date.now() + 10_000 }, (err, job) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '', job });
    }),
  );
}

const tlsCredentials = (files: ClientFiles) => grpc.credentials.createSsl(pem(files.ca) ?? null, pem(files.client?.keyFile) ?? null, pem(files.client?.certFile) ?? null);

/** The serial of the certificate a new TLS connection to `port` is served (ALPN as the port's clients offer it). */
function servedSerial(port: number, alpn: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pem(certs.caFile), servername: 'localhost', ALPNProtocols: [alpn] }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

before(async () => {
  certs = await makeApiTestCertificates(dir.path);
});
after(() => dir.remove());

describe('the API over TLS, no client certificates', () => {
  let api: Api;
  before(async () => {
    api = await startApi({ certFile: certs.server.certFile, keyFile: certs.server.keyFile });
  });
  after(() => api?.stop());

  it('answers REST over HTTPS and gRPC over TLS for a client trusting the CA, the gateway reaching gRPC on its own', async () => {
    const rest = await httpsGet(api.httpPort, '/admin/batch/jobs/known', { ca: certs.caFile });
    assert.equal(rest.status, 200, JSON.stringify(rest.json));
    assert.equal(rest.json.status, 'running');
    const missing = await httpsGet(api.httpPort, '/admin/batch/jobs/other', { ca: certs.caFile });
    assert.equal(missing.status, 404, 'an error from the handler comes back through the gateway as before');
    const call = await grpcGetJob(api.grpcPort, tlsCredentials({ ca: certs.caFile }));
    assert.equal(call.code, grpc.status.OK, call.details);
    assert.equal(call.job.status, 'running');
  });

  it('tells a plain-text REST request to use https, and a plain-text gRPC call to use TLS', async () => {
    const rest = await httpGet(api.httpPort, '/admin/batch/jobs/known');
    assert.equal(rest.status, 400);
    assert.equal(rest.json.error.code, 'INVALID_ARGUMENT');
    assert.match(rest.json.error.message, /serves HTTPS only.*plain text.*https:\/\//);
    const call = await grpcGetJob(api.grpcPort, grpc.credentials.createInsecure());
    assert.equal(call.code, grpc.status.UNAVAILABLE);
    assert.match(call.details, /serves gRPC over TLS only.*plain text/);
    // HTTP/1 on the gRPC port is told the same, in HTTP.
    const http1 = await httpGet(api.grpcPort, '/');
    assert.equal(http1.status, 400);
    assert.match(http1.json.error.message, /gRPC over TLS only/);
  });

  it('fails the handshake of a client that does not trust the certificate, on both ports', async () => {
    await assert.rejects(httpsGet(api.httpPort, '/admin/batch/jobs/known', { ca: certs.otherCaFile }), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
      return true;
    });
    const call = await grpcGetJob(api.grpcPort, tlsCredentials({ ca: certs.otherCaFile }));
    assert.equal(call.code, grpc.status.UNAVAILABLE);
    assert.match(call.details, /unable to verify|self[- ]signed certificate|unable to get/i);
  });

  it('serves a renewed certificate to new connections without a restart, on both ports', async () => {
    const before = await servedSerial(api.httpPort, 'http/1.1');
    assert.equal(before, await servedSerial(api.grpcPort, 'h2'));
    // An open connection keeps working across the renewal.
    const open = new grpc.Client(`127.0.0.1:${api.grpcPort}`, tlsCredentials({ ca: certs.caFile }));
    await new Promise<void>((resolve, reject) => open.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));

    const renewed = await certs.renewServer(30);
    assert.notEqual(renewed, before);
    await waitFor('the renewed certificate on the REST port', async () => ((await servedSerial(api.httpPort, 'http/1.1')) === renewed ? true : undefined), 20_000, 25);
    await waitFor('the renewed certificate on the gRPC port', async () => ((await servedSerial(api.grpcPort, 'h2')) === renewed ? true : undefined), 20_000, 25);
    assert.equal(api.certificates.current.serial, renewed);
    assert.ok(logged.some((l) => l.msg === 'API certificate renewed' && l.serial === renewed && l.previous_serial === before));

    const call = await grpcGetJob(api.grpcPort, tlsCredentials({ ca: certs.caFile }));
    assert.equal(call.code, grpc.status.OK, call.details);
    assert.equal((await httpsGet(api.httpPort, '/admin/batch/jobs/known', { ca: certs.caFile })).status, 200);
    const def = proto.service.GetJob!;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    const onOpen = await new Promise<grpc.status>((resolve) =>
      open.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, { job_id: 'known' }, md, (err) => resolve(err ? err.code : grpc.status.OK)),
    );
    open.close();
    assert.equal(onOpen, grpc.status.OK);
  });

  it('keeps serving the certificate it has when a renewal is broken, and logs a warning', async () => {
    const serving = api.certificates.current.serial;
    const warningsBefore = logged.filter((l) => l.level === 40).length;
    writeFileSync(certs.server.certFile, '-----BEGIN CERTIFICATE-----\ntruncated\n');
    await waitFor('the broken renewal warning', async () => (logged.filter((l) => l.level === 40).length > warningsBefore ? true : undefined), 20_000, 25);
    const warning = logged.filter((l) => l.level === 40).at(-1)!;
    assert.match(String(warning.msg), /cannot be used: still serving/);
    assert.equal(warning.serving_serial, serving);
    assert.equal(await servedSerial(api.httpPort, 'http/1.1'), serving);
    assert.equal(await servedSerial(api.grpcPort, 'h2'), serving);
    assert.equal((await grpcGetJob(api.grpcPort, tlsCredentials({ ca: certs.caFile }))).code, grpc.status.OK);

    // The next good renewal is taken.
    const renewed = await certs.renewServer(30);
    await waitFor('the renewal after the broken one', async () => ((await servedSerial(api.grpcPort, 'h2')) === renewed ? true : undefined), 20_000, 25);
  });
});

describe('the API with mutual TLS', () => {
  let api: Api;
  before(async () => {
    api = await startApi({ certFile: certs.server.certFile, keyFile: certs.server.keyFile, clientCaFile: certs.caFile });
  });
  after(() => api?.stop());

  it('answers a client presenting a certificate the client CA signed, on both ports', async () => {
    const files = { ca: certs.caFile, client: certs.client };
    const rest = await httpsGet(api.httpPort, '/admin/batch/jobs/known', files);
    assert.equal(rest.status, 200, JSON.stringify(rest.json));
    const call = await grpcGetJob(api.grpcPort, tlsCredentials(files));
    assert.equal(call.code, grpc.status.OK, call.details);
  });

  it('refuses a client without a certificate, saying one is required: REST with 401 on every route, gRPC with UNAUTHENTICATED', async () => {
    for (const path of ['/admin/batch/jobs/known', '/healthz']) {
      const rest = await httpsGet(api.httpPort, path, { ca: certs.caFile });
      assert.equal(rest.status, 401, path);
      assert.equal(rest.json.error.code, 'UNAUTHENTICATED');
      assert.match(rest.json.error.message, /requires a client certificate.*none was presented/);
    }
    const call = await grpcGetJob(api.grpcPort, tlsCredentials({ ca: certs.caFile }));
    assert.equal(call.code, grpc.status.UNAUTHENTICATED);
    assert.match(call.details, /requires a client certificate.*none was presented/);
  });

  it('refuses a client certificate another CA signed, naming it', async () => {
    const files = { ca: certs.caFile, client: certs.untrustedClient };
    const rest = await httpsGet(api.httpPort, '/admin/batch/jobs/known', files);
    assert.equal(rest.status, 401);
    assert.match(rest.json.error.message, /client certificate \(CN=not-an-operator, serial [0-9A-F]+\) is not accepted/);
    const call = await grpcGetJob(api.grpcPort, tlsCredentials(files));
    assert.equal(call.code, grpc.status.UNAUTHENTICATED);
    assert.match(call.details, /CN=not-an-operator.*is not accepted/);
  });

  it('refuses the server certificate as a client certificate: it is not for client authentication', async () => {
    const call = await grpcGetJob(api.grpcPort, tlsCredentials({ ca: certs.caFile, client: certs.server }));
    assert.equal(call.code, grpc.status.UNAUTHENTICATED, call.details);
  });
});
