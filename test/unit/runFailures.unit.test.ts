import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunFailures, emptyCounts, project, runSpan, runStopError, type JobEvent, type JobProjection, type ObjectOutcome, type ObjectsProcessed } from '../../libs/domain/index.js';

const outcome = (ordinal: number, result: ObjectOutcome['result'], error?: string): ObjectOutcome => ({
  ordinal,
  key: `k${ordinal}`,
  size: ordinal,
  result,
  attempts: 1,
  duration_ms: 1,
  ...(error ? { error } : {}),
});
const batch = (run: number, outcomes: ObjectOutcome[], retries: Array<{ ordinal: number; attempt: number }> = []): ObjectsProcessed => ({
  type: 'ObjectsProcessed',
  data: { job_id: 'j', run, at: '2026-01-01T00:00:00.000Z', outcomes, retries: retries.map((r) => ({ ...r, key: `k${r.ordinal}`, error: 'SlowDown' })) },
});

describe('collecting a run\'s failures batch by batch', () => {
  it('keeps the first outcome of each ordinal, in ordinal order', () => {
    const run = new RunFailures({ run: 2, fromSeq: 10, endSeq: 50 });
    run.add(11, batch(2, [outcome(5, 'failed', 'AccessDenied'), outcome(1, 'copied')]));
    run.add(12, batch(2, [outcome(1, 'failed', 'late duplicate'), outcome(3, 'failed', 'NoSuchKey'), outcome(5, 'copied')]));
    assert.deepEqual(
      run.result().failed.map((f) => [f.ordinal, f.error]),
      [
        [3, 'NoSuchKey'],
        [5, 'AccessDenied'],
      ],
    );
  });

  it('ignores batches of other runs and outside the run\'s span', () => {
    const run = new RunFailures({ run: 2, fromSeq: 10, endSeq: 50 });
    run.add(9, batch(2, [outcome(1, 'failed')]));
    run.add(20, batch(1, [outcome(2, 'failed')]));
    run.add(51, batch(2, [outcome(3, 'failed')]));
    run.add(30, batch(2, [outcome(4, 'failed')]));
    assert.deepEqual(run.result().failed.map((f) => f.ordinal), [4]);
  });

  it('keeps only the newest retried attempts when asked to', () => {
    const run = new RunFailures({ run: 1, fromSeq: 1 }, 3);
    for (let seq = 1; seq <= 10; seq++) run.add(seq, batch(1, [], [{ ordinal: seq, attempt: 1 }]));
    assert.deepEqual(run.result().retried.map((r) => r.key), ['k8', 'k9', 'k10']);
    const all = new RunFailures({ run: 1, fromSeq: 1 });
    for (let seq = 1; seq <= 10; seq++) all.add(seq, batch(1, [], [{ ordinal: seq, attempt: 1 }]));
    assert.equal(all.result().retried.length, 10);
  });
});

describe('the error that stopped a run, as /errors lists it', () => {
  const at = '2026-01-01T00:00:05.000Z';
  const counts = { total_objects: 0, total_bytes: 0, completed_objects: 0, completed_bytes: 0, skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0 };
  const started = { seq: 2, event: { type: 'RunStarted' as const, data: { job_id: 'j', run: 1, at } } };
  const error = 'listing destination bucket dst at http://127.0.0.1:1: NetworkError: connect ECONNREFUSED 127.0.0.1:1 (2 attempts)';

  it('is the fatal RunFailed that ended the run, without a key', () => {
    const events = [started, { seq: 3, event: { type: 'RunFailed' as const, data: { job_id: 'j', run: 1, error, counts, at, fatal: true as const } } }];
    assert.deepEqual(runStopError(events, runSpan(events)!), { time: at, key: '', error, run: 1 });
  });

  it('is nothing for a run failed by its objects, or one still running', () => {
    const byObjects = [started, { seq: 3, event: { type: 'RunFailed' as const, data: { job_id: 'j', run: 1, error: '2 objects failed', counts, at } } }];
    assert.equal(runStopError(byObjects, runSpan(byObjects)!), undefined);
    assert.equal(runStopError([started], runSpan([started])!), undefined);
  });
});

describe("the latest run's span, as the projection keeps it", () => {
  const at = '2026-01-01T00:00:00.000Z';
  const created: JobEvent = {
    type: 'JobCreated',
    data: { job_id: 'j', definition: { job_id: 'j', source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at },
  };
  const started = (run: number): JobEvent => ({ type: 'RunStarted', data: { job_id: 'j', run, at } });
  const failed = (run: number): JobEvent => ({ type: 'RunFailed', data: { job_id: 'j', run, error: 'stopped', counts: emptyCounts(), at } });

  it('given runs started and ended (and a job re-created), then the projection holds what reading the log gives', () => {
    const log: JobEvent[] = [created, started(1), failed(1), started(2), failed(2), failed(2), created, started(1)];
    let p: JobProjection | undefined;
    log.forEach((event, i) => {
      p = project(p, event, i + 1);
      const read = log.slice(0, i + 1).map((e, j) => ({ seq: j + 1, event: e }));
      assert.deepEqual(p?.span, runSpan(read), `after ${event.type} at ${i + 1}`);
    });
    assert.deepEqual(p?.span, { run: 1, fromSeq: 8 });
  });

  it('given a run ended, then its span ends at the first event that ended it', () => {
    const log: JobEvent[] = [created, started(1), failed(1), failed(1)];
    let p: JobProjection | undefined;
    log.forEach((event, i) => (p = project(p, event, i + 1)));
    assert.deepEqual(p?.span, { run: 1, fromSeq: 2, endSeq: 3 });
  });
});
