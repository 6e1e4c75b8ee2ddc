import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateJobDefinition } from '../../libs/domain/index.js';

const valid = { job_id: 'migration-001', source_bucket: 'source', destination_bucket: 'destination' };

function rejects(body: Record<string, unknown>, field: string) {
  assert.throws(
    () => validateJobDefinition(body),
    (err: { code: string; details: Array<{ field?: string }> }) => {
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.equal(err.details[0]?.field, field);
      return true;
    },
  );
}

describe('job definition validation', () => {
  it('accepts every example job of the spec', () => {
    validateJobDefinition({ ...valid, description: 'Monthly backup of production data' });
    validateJobDefinition({
      job_id: 'dr-replication-001',
      source_bucket: 'critical-data',
      destination_bucket: 'critical-data',
      destination_endpoint: 'https://dr-site.example.com:9000',
      destination_access_key: 'AKIADR',
      destination_secret_key: 'secret',
      description: 'Disaster recovery replication',
    });
    validateJobDefinition({
      job_id: 'replicate-logs-2024',
      source_bucket: 'logs',
      destination_bucket: 'logs-archive',
      prefix: '2024/',
      min_size: 1024,
      max_size: 1073741824,
      created_after: '2024-01-01T00:00:00Z',
      created_before: '2024-12-31T23:59:59Z',
      tags: { retention: 'long-term' },
    });
    validateJobDefinition({ job_id: 'low-priority-backup', source_bucket: 'archives', destination_bucket: 'cold-storage', concurrency: 2, rate_limit_bytes_per_sec: 52428800, priority: 100 });
    validateJobDefinition({ ...valid, notification_webhook: 'https://slack.example.com/webhook', notify_on: ['completed', 'failed', 'paused'] });
    validateJobDefinition({ ...valid, max_retries: 3, retry_delay: '5s', retry_backoff: 'exponential' });
    for (const checksum_algorithm of ['crc32c', 'sha256', 'none']) assert.equal(validateJobDefinition({ ...valid, checksum_algorithm }).checksum_algorithm, checksum_algorithm);
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown field', { ...valid, colour: 'red' }, 'colour'],
    ['missing job_id', { source_bucket: 'a-b', destination_bucket: 'c-d' }, 'job_id'],
    ['empty source bucket', { ...valid, source_bucket: '' }, 'source_bucket'],
    ['job_id with a slash', { ...valid, job_id: 'a/b' }, 'job_id'],
    ['job_id starting with a dot', { ...valid, job_id: '.hidden' }, 'job_id'],
    ['job_id of 129 characters', { ...valid, job_id: 'a'.repeat(129) }, 'job_id'],
    ['invalid bucket name', { ...valid, destination_bucket: 'Not_A_Bucket' }, 'destination_bucket'],
    ['bucket named like an IP', { ...valid, source_bucket: '192.168.1.1' }, 'source_bucket'],
    ['same bucket on the same endpoint', { ...valid, destination_bucket: 'source' }, 'destination_bucket'],
    ['min_size above max_size', { ...valid, min_size: 10, max_size: 9 }, 'min_size'],
    ['negative size', { ...valid, min_size: -1 }, 'min_size'],
    ['size as a string', { ...valid, max_size: '10' }, 'max_size'],
    ['unparseable date', { ...valid, created_after: 'yesterday' }, 'created_after'],
    ['inverted dates', { ...valid, created_after: '2024-02-01T00:00:00Z', created_before: '2024-01-01T00:00:00Z' }, 'created_after'],
    ['concurrency 0', { ...valid, concurrency: 0 }, 'concurrency'],
    ['concurrency 1001', { ...valid, concurrency: 1001 }, 'concurrency'],
    ['negative rate limit', { ...valid, rate_limit_bytes_per_sec: -5 }, 'rate_limit_bytes_per_sec'],
    ['unknown retry_backoff', { ...valid, retry_backoff: 'random' }, 'retry_backoff'],
    ['checksum_algorithm S3 has but Ferry does not compute', { ...valid, checksum_algorithm: 'crc64nvme' }, 'checksum_algorithm'],
    ['checksum_algorithm in capitals', { ...valid, checksum_algorithm: 'CRC32C' }, 'checksum_algorithm'],
    ['malformed duration', { ...valid, retry_delay: '5 seconds' }, 'retry_delay'],
    ['ftp endpoint', { ...valid, destination_endpoint: 'ftp://example.com' }, 'destination_endpoint'],
    ['webhook not http', { ...valid, notification_webhook: 'file:///etc/passwd' }, 'notification_webhook'],
    ['notify_on with a non-state', { ...valid, notify_on: ['completed', 'exploded'] }, 'notify_on'],
    ['tag value not a string', { ...valid, tags: { a: 1 } }, 'tags.a'],
    ['secret without access key', { ...valid, destination_endpoint: 'https://x.example.com', destination_secret_key: 's' }, 'destination_access_key'],
  ];
  for (const [name, body, field] of cases) {
    it(`refuses ${name}, naming ${field}`, () => rejects(body, field));
  }

  it('refuses the same bucket when destination_endpoint is the source endpoint, however spelt', () => {
    const sourceEndpoint = 'http://127.0.0.1:9100';
    const same = { ...valid, destination_bucket: 'source', destination_access_key: 'k', destination_secret_key: 's' };
    for (const endpoint of ['http://127.0.0.1:9100', 'http://127.0.0.1:9100/', 'HTTP://127.0.0.1:9100']) {
      assert.throws(
        () => validateJobDefinition({ ...same, destination_endpoint: endpoint }, { sourceEndpoint }),
        (err: { details: Array<{ field?: string }> }) => err.details[0]?.field === 'destination_bucket',
        endpoint,
      );
    }
    assert.throws(
      () => validateJobDefinition({ ...same, destination_endpoint: 'https://S3.Example.com' }, { sourceEndpoint: 'https://s3.example.com:443/' }),
      (err: { details: Array<{ field?: string }> }) => err.details[0]?.field === 'destination_bucket',
    );
    // Another port or host is another endpoint: the same bucket name is allowed there.
    validateJobDefinition({ ...same, destination_endpoint: 'http://127.0.0.1:9101' }, { sourceEndpoint });
    validateJobDefinition({ ...same, destination_endpoint: 'https://127.0.0.1:9100' }, { sourceEndpoint });
  });

  it('takes destination_path_style as a boolean, only with destination_endpoint', () => {
    const withEndpoint = { ...valid, destination_endpoint: 'https://minio.example.com', destination_path_style: false };
    assert.equal(validateJobDefinition(withEndpoint).destination_path_style, false);
    rejects({ ...withEndpoint, destination_path_style: 'false' }, 'destination_path_style');
    rejects({ ...valid, destination_path_style: true }, 'destination_path_style');
  });

  it('takes webhook_secret only with notification_webhook', () => {
    validateJobDefinition({ ...valid, notification_webhook: 'https://hooks.example.com/x', webhook_secret: 'whsec_abc' });
    rejects({ ...valid, webhook_secret: 'whsec_abc' }, 'webhook_secret');
    rejects({ ...valid, notification_webhook: 'https://hooks.example.com/x', webhook_secret: '' }, 'webhook_secret');
  });

  it('refuses a body that is not an object', () => {
    assert.throws(() => validateJobDefinition([1, 2]), /JSON object/);
  });

  it('takes destination_ca_bundle and destination_insecure_skip_verify only for an https destination_endpoint, and not together', () => {
    const https = { ...valid, destination_endpoint: 'https://ceph.internal.example:8443' };
    validateJobDefinition({ ...https, destination_insecure_skip_verify: true });
    rejects({ ...valid, destination_insecure_skip_verify: true }, 'destination_insecure_skip_verify');
    rejects({ ...valid, destination_endpoint: 'http://ceph.internal.example', destination_insecure_skip_verify: true }, 'destination_insecure_skip_verify');
    rejects({ ...https, destination_insecure_skip_verify: 'yes' }, 'destination_insecure_skip_verify');
    rejects({ ...valid, destination_ca_bundle: 'x' }, 'destination_ca_bundle');
    rejects({ ...https, destination_ca_bundle: 'no certificate here' }, 'destination_ca_bundle');
    rejects({ ...https, destination_ca_bundle: '-----BEGIN CERTIFICATE-----\nnot base64 DER\n-----END CERTIFICATE-----\n' }, 'destination_ca_bundle');
    rejects({ ...https, destination_ca_bundle: 'x'.repeat(64 * 1024 + 1) }, 'destination_ca_bundle');
  });
});
