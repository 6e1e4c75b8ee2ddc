import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunFailures, type ObjectOutcome, type ObjectsProcessed } from '../../libs/domain/index.js';

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
