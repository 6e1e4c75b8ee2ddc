import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { JobEvent, JobView } from '../../libs/domain/index.js';
import { buildPayload, notificationState, refusedAddressReason, retryDelayMs, signWebhook, verifyWebhook, webhookHeaders } from '../../libs/webhooks/index.js';
import { KeyedQueues } from '../../services/notifier/jobQueues.js';

const counts = { total_objects: 3, total_bytes: 30, completed_objects: 2, completed_bytes: 20, skipped_objects: 0, skipped_bytes: 0, failed_objects: 1, failed_bytes: 10 };

describe('webhook signing', () => {
  it('signs "<id>.<timestamp>.<body>" with HMAC-SHA256, base64, v1 prefix (Standard Webhooks)', () => {
    const key = Buffer.from('0123456789abcdef');
    const secret = `whsec_${key.toString('base64')}`;
    const expected = createHmac('sha256', key).update('msg_1.1700000000.{"a":1}').digest('base64');
    assert.equal(signWebhook(secret, 'msg_1', 1700000000, '{"a":1}'), `v1,${expected}`);
  });

  it('verifies its own headers and rejects a changed body, id, timestamp or secret', () => {
    const headers = webhookHeaders('s3cret', 'job_7', 1700000000, '{"event":"completed"}');
    assert.equal(verifyWebhook('s3cret', headers, '{"event":"completed"}'), true);
    assert.equal(verifyWebhook('s3cret', headers, '{"event":"failed"}'), false);
    assert.equal(verifyWebhook('other', headers, '{"event":"completed"}'), false);
    assert.equal(verifyWebhook('s3cret', { ...headers, 'webhook-id': 'job_8' }, '{"event":"completed"}'), false);
    assert.equal(verifyWebhook('s3cret', { ...headers, 'webhook-timestamp': '1700000001' }, '{"event":"completed"}'), false);
  });
});

describe('webhook address classifier', () => {
  const refused = ['127.0.0.1', '127.5.6.7', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.1.1', '0.0.0.0', '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '100.64.0.1'];
  const allowed = ['8.8.8.8', '172.15.0.1', '172.32.0.1', '192.169.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];
  for (const address of refused) it(`refuses ${address}`, () => assert.notEqual(refusedAddressReason(address), undefined));
  for (const address of allowed) it(`allows ${address}`, () => assert.equal(refusedAddressReason(address), undefined));
  it('names the range', () => {
    assert.equal(refusedAddressReason('169.254.169.254'), 'metadata');
    assert.equal(refusedAddressReason('127.0.0.1'), 'loopback');
    assert.equal(refusedAddressReason('fe80::1'), 'link-local');
    assert.equal(refusedAddressReason('192.168.0.1'), 'private');
  });
});

describe('webhook payload', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const view = { job_id: 'j', run: 2, status: 'running', progress: { ...counts, failed_objects: 0, listing_complete: false, current_rate_bytes_sec: 5 } } as unknown as JobView;

  it('maps lifecycle events to states and ignores the rest', () => {
    const run = { job_id: 'j', run: 1, at };
    assert.equal(notificationState({ type: 'RunStarted', data: run }), 'running');
    assert.equal(notificationState({ type: 'JobPaused', data: run }), 'paused');
    assert.equal(notificationState({ type: 'JobResumed', data: run }), 'running');
    assert.equal(notificationState({ type: 'JobCancelled', data: run }), 'cancelled');
    assert.equal(notificationState({ type: 'RunCompleted', data: { ...run, counts } }), 'completed');
    assert.equal(notificationState({ type: 'RunFailed', data: { ...run, counts, error: 'x' } }), 'failed');
    assert.equal(notificationState({ type: 'ListingCompleted', data: { ...run, total_objects: 1, total_bytes: 1 } }), undefined);
    assert.equal(notificationState({ type: 'JobDeleted', data: { job_id: 'j', at } }), undefined);
    assert.equal(notificationState({ type: 'JobCreated', data: { job_id: 'j', definition: { job_id: 'j', source_bucket: 'a', destination_bucket: 'b' }, at } }), 'pending');
    assert.equal(notificationState({ type: 'RunQueued', data: { ...run, priority: 100 } }), 'pending');
  });

  it('takes a failed run its final counts and error from the event, not the read model', () => {
    const event: JobEvent = { type: 'RunFailed', data: { job_id: 'j', run: 2, at, counts, error: '1 object failed' } };
    assert.deepEqual(buildPayload(event, view), {
      event: 'failed',
      job_id: 'j',
      run: 2,
      timestamp: at,
      status: 'failed',
      progress: { ...counts, listing_complete: true, current_rate_bytes_sec: 0 },
      error: '1 object failed',
    });
  });

  it('uses the read model progress for the same run, and zero progress when it shows another run', () => {
    const paused = buildPayload({ type: 'JobPaused', data: { job_id: 'j', run: 2, at } }, view)!;
    assert.equal(paused.status, 'paused');
    assert.deepEqual(paused.progress, view.progress);
    assert.equal('error' in paused, false);
    const started = buildPayload({ type: 'RunStarted', data: { job_id: 'j', run: 3, at } }, view)!;
    assert.equal(started.progress.completed_objects, 0);
    assert.equal(started.run, 3);
  });
});

describe('webhook retry backoff', () => {
  it('doubles from the base, caps, and jitters between half and all of it', () => {
    assert.equal(retryDelayMs(1, 100, 10_000, () => 1), 100);
    assert.equal(retryDelayMs(4, 100, 10_000, () => 1), 800);
    assert.equal(retryDelayMs(4, 100, 10_000, () => 0), 400);
    assert.equal(retryDelayMs(30, 100, 10_000, () => 1), 10_000);
  });
});

describe('per-job queues', () => {
  it('runs one key in order while another key proceeds', async () => {
    const queues = new KeyedQueues();
    const seen: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const a1 = queues.enqueue('a', async () => {
      await blocked;
      seen.push('a1');
    });
    const a2 = queues.enqueue('a', async () => void seen.push('a2'));
    await queues.enqueue('b', async () => void seen.push('b1'));
    assert.deepEqual(seen, ['b1']);
    release();
    await Promise.all([a1, a2]);
    assert.deepEqual(seen, ['b1', 'a1', 'a2']);
  });
});
