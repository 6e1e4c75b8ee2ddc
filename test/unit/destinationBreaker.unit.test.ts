import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobEvent } from '../../libs/domain/index.js';
import { S3Error } from '../../libs/s3/index.js';
import { atSource } from '../../libs/s3/s3Error.js';
import { DestinationBreaker } from '../../services/copier/destinationBreaker.js';
import { given } from '../harness/deciderSpec.js';

const denied = () => new S3Error('AccessDenied', 'Access Denied', 403, false);
const full = () => new S3Error('XMinioStorageFull', 'Storage backend has reached its minimum free drive threshold.', 507, false);

/** Feeds `count` failures; answers every error the breaker returned. */
function fail(breaker: DestinationBreaker, count: number, failure: () => S3Error): string[] {
  const errors: string[] = [];
  for (let i = 0; i < count; i++) {
    const error = breaker.failed(failure());
    if (error) errors.push(error);
  }
  return errors;
}

describe('destination breaker', () => {
  it('given 49 denied writes, when the 50th is denied, then it trips once with the reason', () => {
    const breaker = new DestinationBreaker(50);
    assert.deepEqual(fail(breaker, 49, denied), []);
    assert.equal(breaker.failed(denied()), 'destination refused writes: AccessDenied (50 consecutive objects)');
    assert.deepEqual(fail(breaker, 100, denied), [], 'it trips only once per run');
  });

  it('given a full destination, when it trips, then the reason says full and names the code', () => {
    const breaker = new DestinationBreaker(3);
    assert.deepEqual(fail(breaker, 3, full), ['destination full: XMinioStorageFull (3 consecutive objects)']);
    const quota = new DestinationBreaker(1);
    assert.equal(quota.failed(new S3Error('QuotaExceeded', 'quota', 403, false)), 'destination full: QuotaExceeded (1 consecutive objects)');
  });

  it('given a streak, when an object is copied, then the count starts again', () => {
    const breaker = new DestinationBreaker(3);
    assert.deepEqual(fail(breaker, 2, denied), []);
    breaker.succeeded();
    assert.deepEqual(fail(breaker, 2, denied), []);
    assert.equal(breaker.failed(denied()), 'destination refused writes: AccessDenied (3 consecutive objects)');
  });

  it('given failures of one object (checksum, bad argument, retries used up), then it never trips', () => {
    const breaker = new DestinationBreaker(2);
    const perObject = [
      new S3Error('ChecksumMismatch', 'checksum mismatch', 0, true),
      new S3Error('InvalidArgument', 'bad header', 400, false),
      new S3Error('InternalError', 'boom', 500, true),
      new S3Error('EntityTooLarge', 'too big for one PUT', 400, false),
    ];
    for (const failure of perObject) assert.deepEqual(fail(breaker, 5, () => failure), [], failure.code);
  });

  it('given per-object failures between destination-wide ones, then they neither count nor reset the streak', () => {
    const breaker = new DestinationBreaker(2);
    assert.equal(breaker.failed(denied()), undefined);
    assert.equal(breaker.failed(new S3Error('InvalidArgument', 'bad header', 400, false)), undefined);
    assert.equal(breaker.failed(denied()), 'destination refused writes: AccessDenied (2 consecutive objects)');
  });

  it('given the source denies reads, then it does not count against the destination', () => {
    const breaker = new DestinationBreaker(1);
    assert.equal(breaker.failed(atSource(denied())), undefined);
    assert.equal(breaker.failed(atSource(new S3Error('NoSuchBucket', 'no bucket', 404, false))), undefined);
  });

  it('counts every destination-wide code: credentials, signature, missing bucket, full stores', () => {
    const codes: Array<[string, number]> = [
      ['InvalidAccessKeyId', 403],
      ['SignatureDoesNotMatch', 403],
      ['NoSuchBucket', 404],
      ['InsufficientStorage', 507],
      ['EntityTooLarge', 507],
      ['XMinioAdminBucketQuotaExceeded', 400],
    ];
    for (const [code, status] of codes) {
      assert.match(new DestinationBreaker(1).failed(new S3Error(code, code, status, false)) ?? '', new RegExp(`^destination (full|refused writes): ${code} `), code);
    }
  });

  it('given failing the run did not go through, when it is rearmed, then the next full streak trips again', () => {
    const breaker = new DestinationBreaker(2);
    assert.equal(fail(breaker, 2, denied).length, 1);
    breaker.rearm();
    assert.deepEqual(fail(breaker, 1, denied), []);
    assert.deepEqual(fail(breaker, 1, denied), ['destination refused writes: AccessDenied (2 consecutive objects)']);
  });

  it('refuses a threshold that is not a positive integer', () => {
    assert.throws(() => new DestinationBreaker(0), RangeError);
    assert.throws(() => new DestinationBreaker(1.5), RangeError);
  });
});

describe('FailRun from a tripped breaker', () => {
  const ID = 'job-1';
  const now = '2026-01-01T00:00:00.000Z';
  const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst' }, at: now } };
  const started: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 1, at: now } };
  const error = 'destination refused writes: AccessDenied (50 consecutive objects)';
  const failRun = { type: 'FailRun' as const, data: { job_id: ID, run: 1, error }, metadata: { now } };
  const zero = { total_objects: 0, total_bytes: 0, completed_objects: 0, completed_bytes: 0, skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0 };
  const failed: JobEvent = { type: 'RunFailed', data: { job_id: ID, run: 1, error, counts: zero, at: now, fatal: true } };

  it('fails the running run with the reason', () => {
    given(ID, [created, started]).when(failRun).then([failed]);
  });

  it('decides to nothing when a second copier trips after the run already failed or ended', () => {
    given(ID, [created, started, failed]).when(failRun).then([]);
    given(ID, [created, started, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: now } }]).when(failRun).then([]);
    given(ID, [created, started, failed, { type: 'RunStarted', data: { job_id: ID, run: 2, at: now } }]).when(failRun).then([]);
  });
});
