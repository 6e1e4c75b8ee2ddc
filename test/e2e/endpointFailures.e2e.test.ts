import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createConnection, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { freePort } from '../harness/freePort.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

/** The jobs' retry policy and Ferry's endpoint timeout: what a case may take is derived from them. */
const MAX_RETRIES = 1;
const RETRY_DELAY_MS = 1_000;
const ENDPOINT_TIMEOUT_MS = 2_000;
/** Every attempt waiting out the endpoint timeout, and every retry delay at its most (+20% jitter). */
const POLICY_ALLOWS_MS = (MAX_RETRIES + 1) * ENDPOINT_TIMEOUT_MS + MAX_RETRIES * RETRY_DELAY_MS * 1.2;

/** A TCP front for the source endpoint that can stop listening (connection refused) and listen again on its port. */
async function startSwitchableFront(target: string): Promise<{ endpoint: string; refuse(): Promise<void>; accept(): Promise<void>; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((client) => {
    const backend = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    for (const s of [client, backend]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(backend).pipe(client);
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return { endpoint: `http://127.0.0.1:${port}`, refuse: close, accept: () => listen(port), stop: close };
}

/** An HTTP server answering every request with `answer`: what a misbehaving endpoint does. */
async function startScripted(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ endpoint: string; server: HttpServer }> {
  const server = createHttpServer((req, res) => {
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface Webhook {
  path: string;
  body: Record<string, any>;
}

interface Case {
  name: string;
  side: 'source' | 'destination';
  /** The endpoint the job writes to (undefined: the real s3rver), and the one the error must name. */
  destination: () => string;
  failing: () => string;
  cause: RegExp;
  /** Whether the cause is one a retry may cure, so the job's retries are spent first. */
  retried: boolean;
  arrange?: () => Promise<void>;
  restore?: () => Promise<void>;
}

describe('a run whose endpoint fails ends failed, naming the endpoint and the cause', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let port: number;
  let front: Awaited<ReturnType<typeof startSwitchableFront>>;
  const scripted: HttpServer[] = [];
  const webhooks: Webhook[] = [];
  let webhookServer: HttpServer;
  let webhookPort: number;
  let refusedPort: number;
  let html: string;
  let denied: string;
  let stalled: string;
  let deletingProxy: string;
  const s3 = () => testS3Client(env.s3[0]!.endpoint);

  before(async () => {
    env = await startTestEnv('endpoint-failures');
    await createBucket(s3(), 'src');
    await createBucket(s3(), 'dst');
    await createBucket(s3(), 'doomed');
    await putObjects(s3(), 'src', [{ key: 'k1', body: Buffer.from('one') }]);
    front = await startSwitchableFront(env.s3[0]!.endpoint);
    refusedPort = await freePort();
    const add = async (answer: (req: IncomingMessage, res: ServerResponse) => void) => {
      const s = await startScripted(answer);
      scripted.push(s.server);
      return s.endpoint;
    };
    html = await add((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Welcome to nginx!</body></html>'));
    denied = await add((_req, res) =>
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'),
    );
    // Answers the head and part of the body, then nothing: the socket stays open and silent.
    stalled = await add((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': '4096' });
      res.write('<?xml version="1.0"?><ListBucketResult>');
    });
    // Deletes the destination bucket (for real, in s3rver) as the run's first request reaches it, then passes the request on.
    deletingProxy = await add((req, res) => {
      const target = new URL(env.s3[0]!.endpoint);
      void s3()
        .send(new DeleteBucketCommand({ Bucket: 'doomed' }))
        .catch(() => undefined) // already gone
        .then(() => {
          const out = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers });
          out.on('response', (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          });
          out.on('error', () => res.destroy());
          out.end();
        });
    });
    webhookServer = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        webhooks.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
    webhookPort = (webhookServer.address() as AddressInfo).port;
    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: front.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: {
        FERRY_ENDPOINT_TIMEOUT: `${ENDPOINT_TIMEOUT_MS}ms`,
        // Runs whose endpoint fails are what is tested here: the start-time bucket check would refuse most of them first.
        FERRY_CHECK_ON_START: 'false',
        FERRY_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        FERRY_WEBHOOK_SECRET: 'endpoint-failures-secret',
      },
    });
    port = ferry.httpPort!;
  });

  after(async () => {
    await ferry?.stop();
    for (const s of [...scripted, webhookServer]) {
      s?.closeAllConnections();
      s?.close();
    }
    await front?.stop();
    await env?.stop();
  });

  const s3rver = () => env.s3[0]!.endpoint;
  const cases: Case[] = [
    { name: 'destination refuses connections', side: 'destination', destination: () => `http://127.0.0.1:${refusedPort}`, failing: () => `http://127.0.0.1:${refusedPort}`, cause: /ECONNREFUSED/, retried: true },
    { name: 'destination host does not resolve', side: 'destination', destination: () => 'http://ferry-no-such-host.invalid:9000', failing: () => 'http://ferry-no-such-host.invalid:9000', cause: /ENOTFOUND|EAI_AGAIN/, retried: true },
    { name: 'destination speaks no TLS', side: 'destination', destination: () => s3rver().replace('http:', 'https:'), failing: () => s3rver().replace('http:', 'https:'), cause: /EPROTO|SSL|TLS/i, retried: false },
    { name: 'destination answers 403 AccessDenied', side: 'destination', destination: () => denied, failing: () => denied, cause: /HTTP 403 AccessDenied: Access Denied/, retried: false },
    { name: 'destination answers an HTML page', side: 'destination', destination: () => html, failing: () => html, cause: /not an S3 listing.*text\/html.*Welcome to nginx/, retried: false },
    { name: 'destination stalls mid-response', side: 'destination', destination: () => stalled, failing: () => stalled, cause: new RegExp(`ETIMEDOUT.*no data for ${ENDPOINT_TIMEOUT_MS} ms`), retried: true },
    { name: 'destination bucket deleted mid-run', side: 'destination', destination: () => deletingProxy, failing: () => deletingProxy, cause: /HTTP 404 NoSuchBucket/, retried: false },
    {
      name: 'source refuses connections',
      side: 'source',
      destination: s3rver,
      failing: () => front.endpoint,
      cause: /ECONNREFUSED/,
      retried: true,
      arrange: () => front.refuse(),
      restore: () => front.accept(),
    },
  ];

  for (const [index, c] of cases.entries()) {
    it(`${c.name}: the run fails after the job's retries, and says so everywhere`, async () => {
      const jobId = `endpoint-${index}`;
      const bucket = c.name.includes('deleted') ? 'doomed' : 'dst';
      const created = await rest(port, 'POST', '/admin/batch/jobs', {
        job_id: jobId,
        source_bucket: 'src',
        destination_bucket: bucket,
        destination_endpoint: c.destination(),
        destination_access_key: 'S3RVER',
        destination_secret_key: 'S3RVER',
        max_retries: MAX_RETRIES,
        retry_delay: `${RETRY_DELAY_MS}ms`,
        retry_backoff: 'fixed',
        notification_webhook: `http://127.0.0.1:${webhookPort}/${jobId}`,
        notify_on: ['failed'],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      await c.arrange?.();
      try {
        const started = Date.now();
        assert.equal((await rest(port, 'POST', `/admin/batch/jobs/${jobId}/start`)).status, 200);
        const job = await waitForJob(port, jobId, 'failed', (body) => !(body.status === 'running' || body.status === 'pending'));
        const took = Date.now() - started;
        assert.equal(job.status, 'failed', JSON.stringify(job));

        const bucketNamed = c.side === 'source' ? 'src' : bucket;
        const names = (text: string) => {
          assert.ok(text.includes(`listing ${c.side} bucket ${bucketNamed} at ${c.failing()}`), `names the endpoint: ${text}`);
          assert.match(text, c.cause);
          assert.ok(text.includes(c.retried ? `(${MAX_RETRIES + 1} attempts)` : '(1 attempt)'), `attempts: ${text}`);
        };
        names(job.error);
        assert.equal(job.progress.total_objects, 0);
        assert.ok(took <= POLICY_ALLOWS_MS + 10_000, `took ${took} ms, the retry policy allows ${POLICY_ALLOWS_MS} ms`);

        const errors = await rest(port, 'GET', `/admin/batch/jobs/${jobId}/errors`);
        assert.equal(errors.status, 200);
        assert.equal(errors.body.errors.length, 1, JSON.stringify(errors.body));
        names(errors.body.errors[0].error);

        const history = await rest(port, 'GET', `/admin/batch/jobs/${jobId}/history`);
        const failures = (history.body.events as Array<{ type: string; details_json: string }>).filter((e) => e.type === 'RunFailed');
        assert.equal(failures.length, 1, 'the run is failed once');
        names(JSON.parse(failures[0]!.details_json).error);

        const hook = await waitFor(`${jobId} failed webhook`, async () => webhooks.find((w) => w.path === `/${jobId}`), 120_000);
        assert.equal(hook.body.event, 'failed');
        names(hook.body.error);

        const mine = ferry.logs.filter((l) => l.job_id === jobId);
        const failedLine = mine.find((l) => l.msg === 'listing failed; failing the run');
        assert.ok(failedLine, 'the lister logs the failure');
        names(String(failedLine.error));
        assert.equal(failedLine.endpoint, c.failing());
        assert.equal(mine.filter((l) => l.msg === 'listing request failed; retrying').length, c.retried ? MAX_RETRIES : 0);
        assert.equal(mine.filter((l) => l.msg === 'listing interrupted; will retry').length, 0);
      } finally {
        await c.restore?.();
      }
    });
  }
});
