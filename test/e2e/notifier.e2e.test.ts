import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { verifyWebhook } from '../../libs/webhooks/index.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitForProgress } from '../harness/waitFor.js';

const SECRET = 'e2e-webhook-secret';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A real webhook receiver on loopback; `answer(path, n)` picks the status of the n-th request to a path. */
async function startReceiver(answer: (path: string, n: number) => number): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      const status = answer(path, received.filter((r) => r.path === path).length + 1);
      received.push({ path, headers: req.headers, body, answered: status });
      res.writeHead(status).end(status >= 300 ? 'not now' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

describe('webhook notifications end to end (control, projector, lister, copier, notifier as separate processes)', () => {
  let env: TestEnv;
  let ferryEnv: FerryEnv;
  const procs: Record<string, FerryProcess> = {};
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let killTestHealthy = false;
  let port: number;

  before(async () => {
    env = await startTestEnv('notifier-e2e');
    const s3 = testS3Client(env.s3[0]!.endpoint);
    await createBucket(s3, 'src');
    await createBucket(s3, 'dst');
    await putObjects(s3, 'src', [1, 2, 3].map((i) => ({ key: `k${i}`, body: Buffer.from(`body ${i}`) })));
    receiver = await startReceiver((path, n) => {
      if (path === '/flaky') return n <= 2 ? 500 : 200;
      if (path === '/down') return 500;
      if (path === '/killed') return killTestHealthy ? 200 : 503;
      return 200;
    });
    ferryEnv = {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: {
        FERRY_WEBHOOK_SECRET: SECRET,
        FERRY_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        FERRY_WEBHOOK_RETRY_DELAY: '200ms',
        FERRY_WEBHOOK_MAX_RETRY_DURATION: '4s',
        FERRY_WEBHOOK_TIMEOUT: '2s',
      },
    };
    const targets = ['control', 'projector', 'lister', 'copier', 'notifier'];
    const started = await Promise.all(targets.map((t) => startFerry(t, ferryEnv)));
    targets.forEach((t, i) => (procs[t] = started[i]!));
    port = procs.control!.httpPort!;
  });

  after(async () => {
    receiver?.server.close();
    for (const proc of Object.values(procs)) await proc.stop().catch(() => undefined);
    await env?.stop();
  });

  async function runJob(jobId: string, path: string, notifyOn?: string[]) {
    const created = await rest(port, 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: 'dst',
      notification_webhook: `http://127.0.0.1:${receiver.port}${path}`,
      ...(notifyOn ? { notify_on: notifyOn } : {}),
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port, 'POST', `/admin/batch/jobs/${jobId}/start`)).status, 200);
    await waitForJob(port, jobId, 'completed', (body) => body.status === 'completed');
  }

  const deliveriesTo = (path: string) => receiver.received.filter((r) => r.path === path);

  /** The job's notification record that passes `accept`, waited for while deliveries to `path` keep arriving. */
  const recordOnceDeliveries = (jobId: string, path: string, what: string, accept: (n: Record<string, any>) => boolean) =>
    waitForProgress(what, async () => {
      const list = await notificationsOf(jobId);
      return { done: list.find(accept), progress: { deliveries: deliveriesTo(path).length, records: list.map((n) => [n.status, n.attempts]) } };
    });

  const notificationsOf = async (jobId: string) => {
    const res = await rest(port, 'GET', `/admin/batch/jobs/${jobId}/notifications`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.notifications as Array<Record<string, any>>;
  };

  it('sends signed running and completed notifications as notify_on asks, seen also by an outside NATS subscriber', async () => {
    const nc = await connect({ servers: env.nats.url });
    const seen: string[] = [];
    const consumer = await nc.jetstream().consumers.get('FERRY_EVENTS', { filterSubjects: 'ferry.job.*' });
    const messages = await consumer.consume();
    const outside = (async () => {
      for await (const msg of messages) {
        const event = msg.json<{ type: string; data: { job_id: string } }>();
        if (msg.subject === 'ferry.job.signed' && event.data.job_id === 'signed') seen.push(event.type);
        if (seen.includes('RunCompleted')) break;
      }
    })();

    await runJob('signed', '/signed', ['running', 'completed']);
    const mine = await waitForProgress('two notifications', async () => {
      const got = deliveriesTo('/signed');
      return { done: got.length >= 2 ? got : undefined, progress: got.length };
    });
    await outside;
    messages.stop();
    await nc.close();

    assert.deepEqual(seen.filter((t) => ['JobCreated', 'RunStarted', 'RunCompleted'].includes(t)), ['JobCreated', 'RunStarted', 'RunCompleted']);
    const bodies = mine.map((r) => JSON.parse(r.body));
    assert.deepEqual(bodies.map((b) => b.event), ['running', 'completed']);
    for (const r of mine) {
      const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
      assert.equal(verifyWebhook(SECRET, headers, r.body), true, 'signature verifies');
      assert.equal(verifyWebhook('wrong', headers, r.body), false);
      assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    }
    const completed = bodies[1];
    assert.equal(completed.job_id, 'signed');
    assert.equal(completed.run, 1);
    assert.equal(completed.status, 'completed');
    assert.equal(completed.progress.total_objects, 3);
    assert.equal(completed.progress.completed_objects, 3);
    assert.ok(!Number.isNaN(Date.parse(completed.timestamp)));
    const records = await waitForProgress('records', async () => {
      const list = await notificationsOf('signed');
      return { done: list.length === 2 && list.every((n) => n.status === 'delivered') ? list : undefined, progress: list.map((n) => [n.status, n.attempts]) };
    });
    assert.deepEqual(records.map((n) => n.event), ['running', 'completed']);
    assert.equal(records[1]!.webhook_id, mine[1]!.headers['webhook-id']);
  });

  it('retries a receiver answering 500 twice, then delivers with the same webhook-id', async () => {
    await runJob('flaky', '/flaky');
    const record = await recordOnceDeliveries('flaky', '/flaky', 'delivered', (n) => n.status === 'delivered');
    const got = receiver.received.filter((r) => r.path === '/flaky');
    assert.deepEqual(got.map((r) => r.answered), [500, 500, 200]);
    assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1);
    assert.equal(record.event, 'completed');
    assert.equal(record.attempts, 3);
    assert.equal(record.last_status_code, 200);
  });

  it('records a delivery that never succeeds as failed, with attempts, status code and error', async () => {
    await runJob('down', '/down');
    const record = await recordOnceDeliveries('down', '/down', 'failed', (n) => n.status === 'failed');
    assert.ok(record.attempts >= 3, `attempts ${record.attempts}`);
    assert.equal(record.last_status_code, 500);
    assert.match(record.last_error, /HTTP 500/);
    assert.ok(receiver.received.filter((r) => r.path === '/down').length >= 3);
    assert.equal((await rest(port, 'GET', '/admin/batch/jobs/nope/notifications')).status, 404);
  });

  it('a notifier killed while the receiver is failing delivers after restart', async () => {
    await runJob('killed', '/killed');
    await waitForProgress('two failed attempts', async () => {
      const count = deliveriesTo('/killed').length;
      return { done: count >= 2 ? true : undefined, progress: count };
    });
    await procs.notifier!.kill();
    const failedIds = new Set(receiver.received.filter((r) => r.path === '/killed').map((r) => r.headers['webhook-id']));
    killTestHealthy = true;
    procs.notifier = await startFerry('notifier', ferryEnv);
    const delivered = await waitForProgress('delivery after restart', async () => {
      const got = deliveriesTo('/killed');
      return { done: got.find((r) => r.answered === 200), progress: got.length };
    });
    assert.equal(failedIds.size, 1);
    assert.ok(failedIds.has(delivered.headers['webhook-id']), 'the redelivery carries the same webhook-id');
    const record = await recordOnceDeliveries('killed', '/killed', 'record delivered', (n) => n.status === 'delivered');
    assert.ok(record.attempts >= 3, `attempts ${record.attempts}`);
  });
});
