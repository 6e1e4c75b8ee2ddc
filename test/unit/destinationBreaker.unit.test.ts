import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobEvent } from '../../libs/domain/index.js';
import { S3Error } from '../../libs/s3/index.js';
import { atSource } from '../../libs/s3/s3Error.js';
import { DestinationBreaker } from '../../services/copier/destinationBreaker.js';
import { given } from '../harness/deciderSpec.js';
import { seededRandom } from '../harness/seededRandom.js';

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

  it('given a streak, when an object whose copy began after it is copied, then the count starts again', () => {
    const breaker = new DestinationBreaker(3);
    assert.deepEqual(fail(breaker, 2, denied), []);
    breaker.succeeded(breaker.begin());
    assert.deepEqual(fail(breaker, 2, denied), []);
    assert.equal(breaker.failed(denied()), 'destination refused writes: AccessDenied (3 consecutive objects)');
  });

  it('given a streak, when an object whose copy began before it is copied, then the streak goes on', () => {
    const breaker = new DestinationBreaker(3);
    const early = breaker.begin();
    assert.deepEqual(fail(breaker, 2, denied), []);
    breaker.succeeded(early);
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

/**
 * One copier's copies under an adversarial schedule: up to `concurrency` copies in flight, the next
 * step either begins the next object or ends a random one in flight (so copies end in any order).
 * `outcome` decides each copy's result from the steps it began and ended at. Answers, for each
 * recorded destination-wide failure, whether the breaker tripped on it.
 */
function schedule(
  breaker: DestinationBreaker,
  { objects, concurrency, random }: { objects: number; concurrency: number; random: () => number },
  outcome: (copy: { index: number; began: number; ended: number }) => 'copied' | 'refused' | 'broken',
): boolean[] {
  const inFlight: Array<{ index: number; began: number; ticket: number }> = [];
  const trips: boolean[] = [];
  let next = 0;
  for (let step = 0; next < objects || inFlight.length > 0; step++) {
    if (next < objects && (inFlight.length < concurrency && (inFlight.length === 0 || random() < 0.5))) {
      inFlight.push({ index: next++, began: step, ticket: breaker.begin() });
      continue;
    }
    const [copy] = inFlight.splice(Math.floor(random() * inFlight.length), 1);
    const result = outcome({ index: copy!.index, began: copy!.began, ended: step });
    if (result === 'copied') breaker.succeeded(copy!.ticket);
    else if (result === 'broken') breaker.failed(new S3Error('InternalError', 'boom', 500, true));
    else trips.push(breaker.failed(denied()) !== undefined);
  }
  return trips;
}

describe('destination breaker under adversarial orderings', () => {
  const THRESHOLD = 10;

  it('given the destination refuses every write begun from some moment on, then it trips at exactly the threshold-th refusal, whatever order copies end in', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const random = seededRandom(seed);
      const concurrency = 1 + Math.floor(random() * 32);
      const refusingFrom = Math.floor(random() * 200);
      const breaker = new DestinationBreaker(THRESHOLD);
      // Copies begun before the moment and ending after it may go either way (they were already writing).
      const trips = schedule(breaker, { objects: 300, concurrency, random }, ({ began, ended }) =>
        began >= refusingFrom ? 'refused' : ended < refusingFrom ? 'copied' : random() < 0.5 ? 'copied' : 'refused',
      );
      const at = trips.indexOf(true);
      assert.equal(at, THRESHOLD - 1, `seed ${seed}, concurrency ${concurrency}: tripped at refusal ${at + 1} of ${trips.length}`);
      assert.equal(trips.filter(Boolean).length, 1, `seed ${seed}: it trips once`);
    }
  });

  it('given copies keep succeeding between refusals, then it never trips, whatever order copies end in', () => {
    // Every other object is refused: with c copies in flight at most 2c + 1 refusals end before a copy begun after the first of them is copied.
    for (let seed = 1; seed <= 500; seed++) {
      const random = seededRandom(seed);
      const concurrency = 1 + Math.floor(random() * ((THRESHOLD - 2) / 2));
      const breaker = new DestinationBreaker(THRESHOLD);
      const trips = schedule(breaker, { objects: 300, concurrency, random }, ({ index }) => (index % 2 === 1 ? 'refused' : index % 3 === 0 ? 'broken' : 'copied'));
      assert.equal(trips.indexOf(true), -1, `seed ${seed}, concurrency ${concurrency}`);
    }
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
