import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RunFailures,
  decide,
  differencesOnly,
  failuresOnly,
  foldJob,
  project,
  runIsOver,
  validateJobDefinition,
  type FerryEvent,
  type JobEvent,
  type JobProjection,
  type ObjectOutcome,
  type ObjectsProcessed,
  type RunCounts,
  type StoredJobDefinition,
} from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-1';
const now = '2026-01-01T00:00:00.000Z';
const metadata = { now };
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', verify: 'etag' };
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const copyRun = (run: number): JobEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: now } });
const verifyRun = (run: number): JobEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: now, kind: 'verify' } });
const listed = (run: number, total = 4): JobEvent => ({ type: 'ListingCompleted', data: { job_id: ID, run, total_objects: total, total_bytes: 40, at: now } });
const counts = (c: Partial<RunCounts>): RunCounts => ({
  total_objects: 4,
  total_bytes: 40,
  completed_objects: 0,
  completed_bytes: 0,
  skipped_objects: 0,
  skipped_bytes: 0,
  failed_objects: 0,
  failed_bytes: 0,
  ...c,
});
const verified = counts({ matched_objects: 4, missing_objects: 0, differing_objects: 0, extra_objects: 0 });
const completed = (run: number, c = counts({ completed_objects: 4, completed_bytes: 40 })): JobEvent => ({ type: 'RunCompleted', data: { job_id: ID, run, counts: c, at: now } });
const verifyJob = { type: 'VerifyJob' as const, data: { job_id: ID }, metadata };

describe('verify: the job definition', () => {
  it('takes size, etag or checksum and refuses anything else naming the field', () => {
    for (const verify of ['size', 'etag', 'checksum']) assert.equal(validateJobDefinition({ job_id: 'j', source_bucket: 'aaa', destination_bucket: 'bbb', verify }).verify, verify);
    assert.throws(
      () => validateJobDefinition({ job_id: 'j', source_bucket: 'aaa', destination_bucket: 'bbb', verify: 'md5' }),
      (err: { code?: string; details?: Array<{ field?: string }>; message: string }) => err.code === 'INVALID_ARGUMENT' && err.details?.[0]?.field === 'verify' && /size, etag, checksum/.test(err.message),
    );
    assert.throws(() => validateJobDefinition({ job_id: 'j', source_bucket: 'aaa', destination_bucket: 'bbb', verify: true }), /verify: must be a string/);
  });
});

describe('verify: the decider', () => {
  it('starts a verify run after a copy run and on a job never run', () => {
    given(ID, [created, copyRun(1), listed(1), completed(1)]).when(verifyJob).then([verifyRun(2)]);
    given(ID, [created]).when(verifyJob).then([verifyRun(1)]);
  });

  it('refuses a verify run while a run is active or queued (FAILED_PRECONDITION, 409)', () => {
    given(ID, [created, copyRun(1)]).when(verifyJob).thenThrows('FAILED_PRECONDITION', /cannot verify a job that is running: wait for run 1 to end or cancel it/);
    given(ID, [created, copyRun(1), { type: 'JobPaused', data: { job_id: ID, run: 1, at: now } }]).when(verifyJob).thenThrows('FAILED_PRECONDITION', /paused/);
    given(ID, [created, verifyRun(1)]).when(verifyJob).thenThrows('FAILED_PRECONDITION');
    const queued: JobEvent = { type: 'RunQueued', data: { job_id: ID, run: 1, priority: 100, at: now } };
    given(ID, [created, queued]).when(verifyJob).thenThrows('FAILED_PRECONDITION', /queued/);
  });

  it('refuses a verify run of a job that reads a manifest (FAILED_PRECONDITION naming manifest)', () => {
    const fromManifest: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition: { ...definition, manifest: { bucket: 'lists', key: 'm.csv', format: 'csv', endpoint: 'source' } }, at: now } };
    given(ID, [fromManifest]).when(verifyJob).thenThrows('FAILED_PRECONDITION', /cannot verify a job that reads a manifest/);
  });

  it('refuses a start and a schedule firing alike while a verify run is active', () => {
    given(ID, [created, verifyRun(1)]).when({ type: 'StartJob', data: { job_id: ID }, metadata }).thenThrows('FAILED_PRECONDITION', /cannot start a job that is running/);
  });

  it('ends a verify run completed when everything matched, failed naming each class otherwise', () => {
    const finish = (c: RunCounts) => ({ type: 'FinishRun' as const, data: { job_id: ID, run: 1, counts: c }, metadata });
    given(ID, [created, verifyRun(1), listed(1)]).when(finish(verified)).then([completed(1, verified)]);
    const found = counts({ matched_objects: 1, missing_objects: 1, differing_objects: 1, extra_objects: 1 });
    given(ID, [created, verifyRun(1), listed(1)])
      .when(finish(found))
      .then([{ type: 'RunFailed', data: { job_id: ID, run: 1, error: 'verify found differences: 1 missing, 1 differing, 1 extra', counts: found, at: now } }]);
    const unchecked = counts({ matched_objects: 3, failed_objects: 1, failed_bytes: 10, missing_objects: 0, differing_objects: 0, extra_objects: 0 });
    given(ID, [created, verifyRun(1), listed(1)])
      .when(finish(unchecked))
      .then([{ type: 'RunFailed', data: { job_id: ID, run: 1, error: '1 object failed', counts: unchecked, at: now } }]);
  });

  it('refuses retry-failed after a verify run (a start repairs), and allows it again after a copy run', () => {
    const failedVerify: JobEvent = { type: 'RunFailed', data: { job_id: ID, run: 1, error: 'verify found differences: 1 missing', counts: verified, at: now } };
    given(ID, [created, verifyRun(1), listed(1), failedVerify]).when({ type: 'RetryFailed', data: { job_id: ID }, metadata }).thenThrows('FAILED_PRECONDITION', /it was a verify run/);
    given(ID, [created, verifyRun(1), listed(1), failedVerify]).when({ type: 'QueueRun', data: { job_id: ID, retry_failed: true }, metadata }).thenThrows('FAILED_PRECONDITION', /verify run/);
    given(ID, [created, verifyRun(1), listed(1), failedVerify]).when({ type: 'StartJob', data: { job_id: ID }, metadata }).then([copyRun(2)]);
    const failedCopy: JobEvent = { type: 'RunFailed', data: { job_id: ID, run: 2, error: '1 object failed', counts: counts({ failed_objects: 1 }), at: now } };
    const state = foldJob(ID, [created, verifyRun(1), listed(1), failedVerify, copyRun(2), listed(2), failedCopy]);
    assert.equal(state.run_kind, undefined);
    assert.equal(decide({ type: 'RetryFailed', data: { job_id: ID }, metadata }, state)[0]?.type, 'RunStarted');
  });
});

const outcome = (ordinal: number, result: ObjectOutcome['result'], error?: string): ObjectOutcome => ({ ordinal, key: `k${ordinal}`, size: 10, result, attempts: 0, duration_ms: 0, ...(error ? { error } : {}) });
const processed = (outcomes: ObjectOutcome[], run = 1): ObjectsProcessed => ({ type: 'ObjectsProcessed', data: { job_id: ID, run, at: now, outcomes } });

describe('verify: the projection', () => {
  function fold(events: FerryEvent[]): JobProjection {
    let p: JobProjection | undefined;
    events.forEach((e, i) => (p = project(p, e, i + 1)));
    return p!;
  }

  it('counts each class once per ordinal, and the run is over when every key has one', () => {
    const p = fold([
      created,
      verifyRun(1),
      listed(1, 5),
      processed([outcome(0, 'matched'), outcome(1, 'missing', 'not at the destination'), outcome(2, 'differing', 'size')]),
      processed([outcome(2, 'matched'), outcome(3, 'extra', 'at the destination only')]),
    ]);
    assert.equal(p.view.runs[0]!.kind, 'verify');
    const { matched_objects, missing_objects, differing_objects, extra_objects, completed_objects, failed_objects } = p.view.progress;
    assert.deepEqual({ matched_objects, missing_objects, differing_objects, extra_objects, completed_objects, failed_objects }, {
      matched_objects: 1,
      missing_objects: 1,
      differing_objects: 1,
      extra_objects: 1,
      completed_objects: 0,
      failed_objects: 0,
    });
    assert.equal(runIsOver(p.view), false);
    const done = fold([created, verifyRun(1), listed(1, 5), processed([0, 1, 2, 3].map((o) => outcome(o, 'matched'))), processed([outcome(4, 'failed', 'HEAD failed')])]);
    assert.equal(runIsOver(done.view), true);
    assert.equal(done.view.progress.failed_objects, 1);
  });

  it('marks copy runs as such, without the verify classes', () => {
    const p = fold([created, copyRun(1), listed(1, 1), processed([outcome(0, 'copied')])]);
    assert.equal(p.view.runs[0]!.kind, 'copy');
    assert.equal(p.view.progress.matched_objects, undefined);
  });

  it('keeps the verify classes when a fatal RunFailed (no per-object counts) ends the run', () => {
    const fatal: JobEvent = { type: 'RunFailed', data: { job_id: ID, run: 1, error: 'listing failed', counts: counts({}), at: now, fatal: true } };
    const p = fold([created, verifyRun(1), processed([outcome(0, 'matched'), outcome(1, 'extra')]), fatal]);
    assert.equal(p.view.runs[0]!.counts.matched_objects, 1);
    assert.equal(p.view.runs[0]!.counts.extra_objects, 1);
  });
});

describe('verify: differences kept with the run failures', () => {
  it('collects differences with their class and failures apart, first outcome per ordinal', () => {
    const collector = new RunFailures({ run: 1, fromSeq: 1 });
    collector.add(2, processed([outcome(0, 'matched'), outcome(1, 'missing', 'not at the destination'), outcome(2, 'failed', 'HEAD failed')]));
    collector.add(3, processed([outcome(1, 'matched'), outcome(3, 'extra', 'at the destination only')]));
    const { failed } = collector.result();
    assert.deepEqual(
      differencesOnly(failed).map((o) => [o.key, o.difference, o.error]),
      [
        ['k1', 'missing', 'not at the destination'],
        ['k3', 'extra', 'at the destination only'],
      ],
    );
    assert.deepEqual(failuresOnly(failed).map((o) => [o.key, o.error]), [['k2', 'HEAD failed']]);
  });
});
