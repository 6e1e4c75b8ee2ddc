import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { createLogger } from '../../libs/log/logger.js';
import { encodeJson, subjects } from '../../libs/nats/index.js';
import { SecretSealer } from '../../libs/secrets/index.js';
import { verifyWebhook, type WebhookHeaders } from '../../libs/webhooks/index.js';
import { startNotifier } from '../../services/notifier/notifier.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';
import { waitForProgress } from '../harness/waitFor.js';

const DEPLOYMENT_SECRET = 'deployment-secret';
const JOB_SECRET = 'whsec_' + Buffer.from('the job has its own key').toString('base64');

describe("notifier: a job's own webhook secret, and pending notifications (real nats-server, loopback receiver allowed)", () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let sealer: SecretSealer;
  let stopNotifier: () => Promise<void>;
  const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body });
      res.end('ok');
    });
  });
  const url = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const headersOf = (h: IncomingHttpHeaders): WebhookHeaders => ({
    'webhook-id': String(h['webhook-id']),
    'webhook-timestamp': String(h['webhook-timestamp']),
    'webhook-signature': String(h['webhook-signature']),
  });

  before(async () => {
    jetStream = await startJetStream('notifier-job-secret');
    nc = jetStream.nc;
    sealer = await SecretSealer.open(nc, 'c'.repeat(64));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const notifier = await startNotifier({
      nc,
      log: createLogger('silent'),
      secret: DEPLOYMENT_SECRET,
      timeoutMs: 2000,
      retryDelayMs: 100,
      maxRetryDurationMs: 60_000,
      allowPrivateNetworks: true,
      sealer,
    });
    stopNotifier = notifier.stop;
  });

  after(async () => {
    await stopNotifier?.();
    server.close();
    await jetStream?.stop();
  });

  it("signs a job's deliveries with the job's own secret, not the deployment's", async () => {
    const at = new Date().toISOString();
    const definition = {
      job_id: 'own-secret',
      source_bucket: 'a',
      destination_bucket: 'b',
      notification_webhook: url('/own'),
      notify_on: ['running'],
      webhook_secret_sealed: await sealer.seal('own-secret', JOB_SECRET),
    };
    const js = nc.jetstream();
    await js.publish(subjects.job('own-secret'), encodeJson({ type: 'JobCreated', data: { job_id: 'own-secret', definition, at } }));
    await js.publish(subjects.job('own-secret'), encodeJson({ type: 'RunStarted', data: { job_id: 'own-secret', run: 1, at } }));
    const delivery = await waitForProgress('delivery to /own', async () => ({ done: received.find((r) => r.path === '/own'), progress: received.length }));
    assert.equal(JSON.parse(delivery.body).event, 'running');
    assert.equal(verifyWebhook(JOB_SECRET, headersOf(delivery.headers), delivery.body), true, "signed with the job's secret");
    assert.equal(verifyWebhook(DEPLOYMENT_SECRET, headersOf(delivery.headers), delivery.body), false, "not with the deployment's");
  });

  it('notifies pending when the job is created and when its start is queued', async () => {
    const at = new Date().toISOString();
    const definition = { job_id: 'queued', source_bucket: 'a', destination_bucket: 'b', notification_webhook: url('/pending'), notify_on: ['pending'] };
    const js = nc.jetstream();
    await js.publish(subjects.job('queued'), encodeJson({ type: 'JobCreated', data: { job_id: 'queued', definition, at } }));
    await js.publish(subjects.job('queued'), encodeJson({ type: 'RunQueued', data: { job_id: 'queued', run: 1, priority: 100, at } }));
    await js.publish(subjects.job('queued'), encodeJson({ type: 'RunStarted', data: { job_id: 'queued', run: 1, at } }));
    const deliveries = await waitForProgress('two pending deliveries', async () => {
      const found = received.filter((r) => r.path === '/pending');
      return { done: found.length >= 2 ? found : undefined, progress: found.length };
    });
    const bodies = deliveries.map((d) => JSON.parse(d.body) as { event: string; status: string; run: number });
    assert.deepEqual(bodies.map((b) => [b.event, b.status, b.run]), [['pending', 'pending', 0], ['pending', 'pending', 1]]);
    for (const d of deliveries) assert.equal(verifyWebhook(DEPLOYMENT_SECRET, headersOf(d.headers), d.body), true);
  });
});
