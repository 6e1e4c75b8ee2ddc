import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startFerry, TEST_TOKEN, type FerryProcess } from '../harness/ferryProcess.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { makeApiTestCertificates, type ApiTestCertificates } from '../harness/testCertificates.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';
import { runCli } from '../harness/cliProcess.js';



/** `ferry --target all` with TLS and mutual TLS on its API, driven by the built CLI as an operator would. */
describe('the API over mutual TLS, end to end (ferry --target all, the ferry CLI)', () => {
  let env: TestEnv;
  let certs: ApiTestCertificates;
  let ferry: FerryProcess;
  let server: string;

  /** Runs the built CLI with only the environment given (no FERRY_CA etc. from the test's own). */
  const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { FERRY_ADMIN_TOKEN: TEST_TOKEN, FERRY_SERVER: server, ...extraEnv });
  const tlsFlags = () => ['--ca', certs.caFile, '--cert', certs.client.certFile, '--key', certs.client.keyFile];

  /** The serial of the certificate a new connection to the gRPC port is served. */
  const servedSerial = () =>
    new Promise<string>((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: ferry.grpcPort!, servername: 'localhost', ca: readFileSync(certs.caFile), cert: readFileSync(certs.client.certFile), key: readFileSync(certs.client.keyFile), ALPNProtocols: ['h2'] },
        () => {
          const serial = socket.getPeerCertificate().serialNumber;
          socket.destroy();
          resolve(serial);
        },
      );
      socket.on('error', reject);
    });

  before(async () => {
    env = await startTestEnv('api-tls-e2e');
    certs = await makeApiTestCertificates(env.dir);
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'photos');
    await createBucket(source, 'photos-copy');
    await putObjects(source, 'photos', Array.from({ length: 6 }, (_, i) => ({ key: `img-${i}.jpg`, body: Buffer.alloc(100 + i, i) })));
    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: {
        FERRY_API_TLS_CERT: certs.server.certFile,
        FERRY_API_TLS_KEY: certs.server.keyFile,
        FERRY_API_TLS_CLIENT_CA: certs.caFile,
        FERRY_API_TLS_RELOAD_INTERVAL: '100ms',
        FERRY_METRICS_ADDR: '127.0.0.1:0',
      },
    });
    server = `127.0.0.1:${ferry.grpcPort}`;
    writeFileSync(join(env.dir, 'job.json'), JSON.stringify({ job_id: 'tls-copy', source_bucket: 'photos', destination_bucket: 'photos-copy' }));
  });

  after(async () => {
    await ferry?.stop();
    await env?.stop();
  });

  it('creates, starts and watches a job through the CLI with --ca, --cert and --key', async () => {
    const created = await cli([...tlsFlags(), 'jobs', 'create', '-f', join(env.dir, 'job.json')]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^id\s+tls-copy$/m);
    const started = await cli(['--server', `grpcs://${server}`, ...tlsFlags(), 'jobs', 'start', 'tls-copy']);
    assert.equal(started.code, 0, started.stderr);
    // The same files from the environment, and the server stream (WatchJob) over TLS.
    const watched = await cli(['jobs', 'watch', 'tls-copy'], { FERRY_CA: certs.caFile, FERRY_CERT: certs.client.certFile, FERRY_KEY: certs.client.keyFile });
    assert.equal(watched.code, 0, `${watched.stdout}\n${watched.stderr}`);
    assert.match(watched.stdout, /job tls-copy completed/);
    assert.equal((await listKeys(testS3Client(env.s3[0]!.endpoint), 'photos-copy')).length, 6);
  });

  it('tells an operator what is wrong: plain text, no client certificate, a CA that did not sign the server certificate', async () => {
    const plain = await cli(['jobs', 'list']);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /^ferry: UNAVAILABLE: this port serves gRPC over TLS only .*grpcs:\/\//m);

    const noCertificate = await cli(['--ca', certs.caFile, 'jobs', 'list']);
    assert.equal(noCertificate.code, 1);
    assert.match(noCertificate.stderr, /^ferry: UNAUTHENTICATED: this server requires a client certificate .*none was presented: give one, e\.g\. ferry --cert FILE --key FILE/m);

    const untrusted = await cli(['--ca', certs.otherCaFile, '--cert', certs.client.certFile, '--key', certs.client.keyFile, 'jobs', 'list']);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /^ferry: UNAVAILABLE: .*(self[- ]signed certificate|unable to verify)/m);
    assert.match(untrusted.stderr, /the server's certificate is not trusted with --ca .*other-ca\.pem: give the CA that signed it with --ca FILE/);

    // An address the certificate does not name (as through a port-forward), and --server-name for it.
    const misnamed = await cli([...tlsFlags(), '--server-name', 'not-ferry.example', 'jobs', 'list']);
    assert.equal(misnamed.code, 1);
    assert.match(misnamed.stderr, /does not match certificate's altnames/);
    assert.match(misnamed.stderr, /an address its certificate names \(or --server-name NAME\)/);
    const renamed = await cli([...tlsFlags(), '--server-name', 'localhost', 'jobs', 'list']);
    assert.equal(renamed.code, 0, renamed.stderr);

    const missingFile = await cli(['--ca', join(env.dir, 'absent.pem'), 'jobs', 'list']);
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /ferry: cannot read --ca .*absent\.pem: ENOENT/);
    // None of these reached a handler: no stack trace, no internal error, in the server's log.
    assert.ok(!ferry.logs.some((l) => l.msg === 'RPC failed'));
  });

  it('serves REST over HTTPS to a client certificate, and probes on FERRY_METRICS_ADDR without one', async () => {
    const get = (cert: boolean) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port: ferry.httpPort,
            path: '/admin/batch/jobs/tls-copy',
            agent: false,
            ca: readFileSync(certs.caFile),
            ...(cert ? { cert: readFileSync(certs.client.certFile), key: readFileSync(certs.client.keyFile) } : {}),
            headers: { authorization: `Bearer ${TEST_TOKEN}` },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const withCert = await get(true);
    assert.equal(withCert.status, 200, JSON.stringify(withCert.body));
    assert.equal(withCert.body.status, 'completed');
    const without = await get(false);
    assert.equal(without.status, 401);
    assert.match(without.body.error.message, /requires a client certificate/);
    const plain = await fetch(`http://127.0.0.1:${ferry.httpPort}/healthz`);
    assert.equal(plain.status, 400);
    assert.match(((await plain.json()) as { error: { message: string } }).error.message, /serves HTTPS only/);
    assert.equal((await fetch(`http://127.0.0.1:${ferry.metricsPort}/readyz`)).status, 200);
  });

  it('serves a renewed certificate to the next connection, without a restart', async () => {
    const before = await servedSerial();
    const pid = ferry.child.pid;
    const renewed = await certs.renewServer(30);
    assert.notEqual(renewed, before);
    await waitFor('the renewed certificate served', async () => ((await servedSerial()) === renewed ? true : undefined), 30_000, 50);
    assert.equal(ferry.child.pid, pid);
    assert.equal(ferry.child.exitCode, null);
    // The line reaches the test through the process's stdout, maybe after the new certificate is served.
    await waitFor('the renewal logged', async () => (ferry.logs.some((l) => l.msg === 'API certificate renewed' && l.serial === renewed) ? true : undefined));
    const listed = await cli([...tlsFlags(), '-o', 'json', 'jobs', 'get', 'tls-copy']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(JSON.parse(listed.stdout).job_id, 'tls-copy');
  });

  it('refuses to start with a certificate and a key that do not belong together, naming the setting', async () => {
    await assert.rejects(
      startFerry('control', {
        natsUrl: env.nats.url,
        sourceEndpoint: env.s3[0]!.endpoint,
        dataDir: join(env.dir, 'ferry-bad'),
        extraEnv: { FERRY_API_TLS_CERT: certs.server.certFile, FERRY_API_TLS_KEY: certs.client.keyFile },
      }),
      /exited with 2:[\s\S]*ferry: invalid configuration: ferry\.api_tls\.key_file \(FERRY_API_TLS_KEY\): .*is not the key of the certificate/,
    );
  });
});
