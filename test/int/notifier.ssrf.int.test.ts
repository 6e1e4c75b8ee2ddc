import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { createLogger } from '../../libs/log/logger.js';
import { encodeJson, subjects } from '../../libs/nats/index.js';
import { NotificationLog } from '../../libs/webhooks/index.js';
import { SecretSealer } from '../../libs/secrets/index.js';
import { startNotifier } from '../../services/notifier/notifier.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';
import { waitForProgress } from '../harness/waitFor.js';

describe('notifier refuses private addresses by default (real nats-server, loopback receiver)', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let stopNotifier: () => Promise<void>;
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.end('ok');
  });

  before(async () => {
    jetStream = await startJetStream('notifier-ssrf');
    nc = jetStream.nc;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const notifier = await startNotifier({
      nc,
      log: createLogger('silent'),
      secret: 'x',
      timeoutMs: 2000,
      retryDelayMs: 100,
      maxRetryDurationMs: 60_000,
      allowPrivateNetworks: false,
      sealer: await SecretSealer.open(nc, 'b'.repeat(64)),
    });
    stopNotifier = notifier.stop;
  });

  after(async () => {
    await stopNotifier?.();
    server.close();
    await jetStream?.stop();
  });

  it('records a loopback webhook as failed after one attempt, without sending or retrying', async () => {
    const at = new Date().toISOString();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const definition = { job_id: 'ssrf', source_bucket: 'a', destination_bucket: 'b', notification_webhook: url };
    const counts = { total_objects: 0, total_bytes: 0, completed_objects: 0, completed_bytes: 0, skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0 };
    const js = nc.jetstream();
    await js.publish(subjects.job('ssrf'), encodeJson({ type: 'JobCreated', data: { job_id: 'ssrf', definition, at } }));
    await js.publish(subjects.job('ssrf'), encodeJson({ type: 'RunStarted', data: { job_id: 'ssrf', run: 1, at } }));
    await js.publish(subjects.job('ssrf'), encodeJson({ type: 'RunCompleted', data: { job_id: 'ssrf', run: 1, counts, at } }));
    const log = await NotificationLog.open(nc);
    const record = await waitForProgress('failed record', async () => {
      const { notifications } = await log.list('ssrf', 10, '');
      return { done: notifications.find((n) => n.status === 'failed'), progress: notifications.map((n) => [n.status, n.attempts]) };
    });
    assert.equal(record.event, 'completed');
    assert.equal(record.attempts, 1);
    assert.match(record.last_error!, /refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/);
    assert.equal(record.last_status_code, undefined);
    assert.equal(hits, 0, 'nothing reached the receiver');
    assert.equal((await log.list('ssrf', 10, '')).notifications.length, 1, 'running is not in the default notify_on');
  });

  it('refuses a host name that resolves to loopback (checked after DNS resolution, at delivery)', async () => {
    const at = new Date().toISOString();
    const url = `http://localhost:${(server.address() as AddressInfo).port}/hook`;
    const definition = { job_id: 'ssrf-name', source_bucket: 'a', destination_bucket: 'b', notification_webhook: url, notify_on: ['running'] };
    const js = nc.jetstream();
    await js.publish(subjects.job('ssrf-name'), encodeJson({ type: 'JobCreated', data: { job_id: 'ssrf-name', definition, at } }));
    await js.publish(subjects.job('ssrf-name'), encodeJson({ type: 'RunStarted', data: { job_id: 'ssrf-name', run: 1, at } }));
    const log = await NotificationLog.open(nc);
    const record = await waitForProgress('failed record', async () => {
      const { notifications } = await log.list('ssrf-name', 10, '');
      return { done: notifications.find((n) => n.status === 'failed'), progress: notifications.map((n) => [n.status, n.attempts]) };
    });
    assert.equal(record.attempts, 1);
    assert.match(record.last_error!, /refused: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/);
    assert.equal(hits, 0, 'nothing reached the receiver');
  });
});
