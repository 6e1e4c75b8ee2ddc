import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs, UsageError } from '../../services/cli/args.js';
import { formatBytes, formatDuration, jobsTable, keyRotationReport, objectsColumn, table } from '../../services/cli/format.js';
import { unknownKeys } from '../../services/cli/jobFile.js';
import { etaSeconds, fractionDone, progressLine } from '../../services/cli/progress.js';

describe('cli arguments', () => {
  it('takes the server and token from flags over the environment, with defaults', () => {
    const env = { FERRY_SERVER: 'ferry:9090', FERRY_ADMIN_TOKEN: 'env-token' };
    assert.deepEqual(parseCliArgs(['jobs', 'list'], {}), {
      server: '127.0.0.1:9090', tls: undefined, token: undefined, output: 'table', file: undefined, status: undefined, dryRun: false, writeProbe: false, checksumAlgorithm: undefined, versions: undefined, changes: {}, to: undefined, help: false, words: ['jobs', 'list'],
    });
    const fromEnv = parseCliArgs(['jobs', 'get', 'a'], env);
    assert.equal(fromEnv.server, 'ferry:9090');
    assert.equal(fromEnv.token, 'env-token');
    const fromFlags = parseCliArgs(['jobs', 'get', 'a', '--server', 'x:1', '--token', 't', '-o', 'json'], env);
    assert.deepEqual([fromFlags.server, fromFlags.token, fromFlags.output, fromFlags.words], ['x:1', 't', 'json', ['jobs', 'get', 'a']]);
    assert.equal(parseCliArgs(['jobs', 'create', '--dry-run', '-f', 'job.json'], {}).dryRun, true);
    assert.equal(parseCliArgs(['jobs', 'create', '-f', 'job.json', '--checksum-algorithm', 'sha256'], {}).checksumAlgorithm, 'sha256');
    assert.equal(parseCliArgs(['jobs', 'create', '-f', 'job.json', '--versions', 'all'], {}).versions, 'all');
    assert.equal(parseCliArgs(['keys', 'rotate', '--to', 'k2'], {}).to, 'k2');
  });

  it("reads jobs update's settings as whole numbers under the request's field names", () => {
    assert.deepEqual(parseCliArgs(['jobs', 'update', 'a', '--rate', '0', '--concurrency', '32'], {}).changes, { rate_limit_bytes_per_sec: 0, concurrency: 32 });
    assert.deepEqual(parseCliArgs(['jobs', 'update', 'a', '--priority', '7'], {}).changes, { priority: 7 });
    assert.throws(() => parseCliArgs(['jobs', 'update', 'a', '--rate', '10MB'], {}), /--rate must be a whole number/);
  });

  it('refuses unknown flags and output formats as usage errors', () => {
    assert.throws(() => parseCliArgs(['--nope'], {}), UsageError);
    assert.throws(() => parseCliArgs(['-o', 'yaml', 'jobs', 'list'], {}), /table or json/);
  });

  it('names the keys of a job file the proto does not know', () => {
    assert.deepEqual(unknownKeys({ job_id: 'a', concurency: 2, prefix: 'x' }, ['job_id', 'prefix', 'concurrency']), ['concurency']);
  });
});

describe('cli formatting', () => {
  it('formats bytes in binary units and durations compactly', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(200 * 1024 * 1024), '200 MiB');
    assert.equal(formatDuration(5), '5s');
    assert.equal(formatDuration(75), '1m15s');
    assert.equal(formatDuration(3725), '1h02m05s');
  });

  it('aligns table columns', () => {
    assert.equal(table(['A', 'LONGER'], [['xyz', 1], ['q', undefined]]), 'A    LONGER\nxyz  1\nq');
  });

  it('counts done objects as every outcome, marking a total the listing may still grow', () => {
    assert.equal(objectsColumn({ total_objects: 10, completed_objects: 3, skipped_objects: 2, failed_objects: 1, listing_complete: false }), '6/10+');
    assert.equal(objectsColumn({ total_objects: 10, completed_objects: 10, listing_complete: true }), '10/10');
    const rows = jobsTable([{ job_id: 'j1', status: 'running', run: 2, progress: { total_objects: 4, completed_objects: 1, total_bytes: 2048, completed_bytes: 1024, current_rate_bytes_sec: 512, listing_complete: true } }]);
    assert.equal(rows.split('\n')[1], 'j1  running  2    1/4      1.0 KiB/2.0 KiB  512 B/s');
  });
});

describe('cli progress', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('prefers the server estimate for the ETA, else remaining bytes over the rate, else none', () => {
    assert.equal(etaSeconds({ estimated_completion: '2026-01-01T00:01:00Z' }, now), 60);
    assert.equal(etaSeconds({ total_bytes: 1000, completed_bytes: 400, current_rate_bytes_sec: 100, listing_complete: true }, now), 6);
    assert.equal(etaSeconds({ total_bytes: 1000, completed_bytes: 400, current_rate_bytes_sec: 100, listing_complete: false }, now), undefined);
    assert.equal(etaSeconds({ total_bytes: 1000, current_rate_bytes_sec: 0, listing_complete: true }, now), undefined);
  });

  it('measures the fraction by bytes, by objects for empty objects, and caps it at 1', () => {
    assert.equal(fractionDone({ total_bytes: 200, completed_bytes: 50, total_objects: 2, completed_objects: 2 }), 0.25);
    assert.equal(fractionDone({ total_objects: 4, completed_objects: 1 }), 0.25);
    assert.equal(fractionDone({ total_bytes: 10, completed_bytes: 20 }), 1);
    assert.equal(fractionDone({}), 0);
  });

  it('draws bar, percent, objects, bytes, rate, ETA and status on one line', () => {
    const line = progressLine(
      { status: 'running', progress: { total_objects: 4, completed_objects: 1, failed_objects: 1, total_bytes: 4096, completed_bytes: 2048, current_rate_bytes_sec: 1024, listing_complete: true } },
      now,
    );
    assert.equal(line, `[${'#'.repeat(15)}${'-'.repeat(15)}]  50%  2/4 objects  2.0 KiB/4.0 KiB  1.0 KiB/s  ETA 2s  running  1 failed`);
    assert.match(progressLine({ status: 'completed', progress: {} }, now), /^\[#{30}\] 100%.*ETA --  completed$/);
  });
});

describe('cli key rotation report', () => {
  it('gives the counts and says the old keys may go when nothing failed', () => {
    const text = keyRotationReport({ current_key_id: 'k2', key_ids: ['k1', 'k2'], resealed: 3, already_current: 1, gone: 2, failed: [] });
    assert.equal(
      text,
      'current master key: k2 (control holds k1, k2)\nre-sealed 3, already current 1, gone (deleted jobs) 2, failed 0\n' +
        'every data key is sealed under k2: the other master keys may be removed from the configuration',
    );
  });

  it('lists each data key that did not open, and does not say the old keys may go', () => {
    const text = keyRotationReport({ current_key_id: 'k2', key_ids: ['k2'], resealed: 0, already_current: 1, gone: 0, failed: [{ job_id: 'j', error: 'sealed under "k0"' }] });
    assert.match(text, /failed 1\n\nJOB  ERROR\nj    sealed under "k0"$/);
    assert.doesNotMatch(text, /may be removed/);
  });
});
