import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHUNK_ORDINALS, checkpointOf, project, type FerryEvent, type JobProjection, type ObjectOutcome } from '../../libs/domain/index.js';

const ID = 'job-1';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const outcome = (ordinal: number, result: ObjectOutcome['result'], size = 10): ObjectOutcome => ({ ordinal, key: `k${ordinal}`, size, result, attempts: 1, duration_ms: 1 });
const processed = (run: number, outcomes: ObjectOutcome[], second = 5): FerryEvent => ({ type: 'ObjectsProcessed', data: { job_id: ID, run, at: at(second), outcomes } });
const created: FerryEvent = {
  type: 'JobCreated',
  data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at: at(0) },
};
const started = (run: number): FerryEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: at(run * 10) } });
const listed = (run: number, total: number): FerryEvent => ({ type: 'ListingCompleted', data: { job_id: ID, run, total_objects: total, total_bytes: total * 10, at: at(run * 10 + 1) } });

type Log = Array<[number, FerryEvent]>;

function fold(events: Log, from?: JobProjection): JobProjection | undefined {
  let p = from;
  for (const [seq, e] of events) p = project(p, e, seq);
  return p;
}

/** The log as the mid-run purge leaves it: the run's outcome batches up to `throughSeq` removed. */
const purgedThrough = (log: Log, throughSeq: number): Log => log.filter(([seq, e]) => e.type !== 'ObjectsProcessed' || seq > throughSeq);

/** Appends, at `seq`, the checkpoint the live projection makes of the log so far (its last event is the last batch it covers). */
function withCheckpoint(log: Log, seq: number): Log {
  const throughSeq = log[log.length - 1]![0];
  const checkpoint = checkpointOf(fold(log)!, throughSeq, at(9));
  assert.ok(checkpoint, 'an active run has a checkpoint');
  return [...log, [seq, checkpoint]];
}

describe('mid-run checkpoint of outcome batches', () => {
  it('given batches checkpointed and purged, when the log is replayed, then counts, bitmap and rate are the live ones', () => {
    let log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'copied'), outcome(1, 'skipped')])],
      [4, processed(1, [outcome(2, 'failed', 7), outcome(1, 'copied')])],
    ];
    log = withCheckpoint(log, 5);
    log.push([6, processed(1, [outcome(3, 'copied', 4)], 6)], [7, listed(1, 5)]);
    const live = fold(log)!;
    const replayed = fold(purgedThrough(log, 4))!;
    assert.deepEqual(replayed.view, live.view);
    assert.deepEqual(replayed.done.toData(), live.done.toData());
    assert.deepEqual(replayed.rate, live.rate);
    assert.equal(live.view.progress.completed_objects, 2);
    assert.equal(live.view.progress.skipped_objects, 1);
    assert.equal(live.view.progress.failed_bytes, 7);
  });

  it('given an ordinal in the checkpointed bitmap, when a late outcome for it arrives after the purge, then it is not counted again', () => {
    let log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'copied'), outcome(1, 'copied')])],
    ];
    log = withCheckpoint(log, 4);
    log.push([5, processed(1, [outcome(1, 'copied'), outcome(2, 'skipped')])]);
    const replayed = fold(purgedThrough(log, 3))!;
    assert.equal(replayed.view.progress.completed_objects, 2);
    assert.equal(replayed.view.progress.completed_bytes, 20);
    assert.equal(replayed.view.progress.skipped_objects, 1);
    assert.deepEqual(replayed.view, fold(log)!.view);
  });

  it('given several checkpoints, when only the batches after the last remain, then the replay matches, full chunks kept as a floor', () => {
    const big = Array.from({ length: CHUNK_ORDINALS + 3 }, (_, i) => outcome(i, 'copied', 1));
    let log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, big.slice(0, 1000))],
    ];
    log = withCheckpoint(log, 4);
    log.push([5, processed(1, big.slice(1000))]);
    log = withCheckpoint(log, 6);
    log.push([7, processed(1, [outcome(5, 'copied'), outcome(CHUNK_ORDINALS + 9, 'failed')])]);
    const checkpoint = log[5]![1];
    assert.equal(checkpoint.type === 'OutcomesCheckpointed' && checkpoint.data.done.floor, CHUNK_ORDINALS);
    const replayed = fold(purgedThrough(log, 5))!;
    assert.deepEqual(replayed.view, fold(log)!.view);
    assert.equal(replayed.view.progress.completed_objects, CHUNK_ORDINALS + 3);
    assert.equal(replayed.view.progress.failed_objects, 1);
    assert.equal(replayed.done.size, CHUNK_ORDINALS + 4);
  });

  it('given a checkpoint of a run that has since ended, when folded, then the ended run keeps its counts', () => {
    const log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'copied')])],
    ];
    const stale = checkpointOf(fold(log)!, 3, at(9))!;
    const ended = fold([...log, [4, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(15) } }]])!;
    assert.equal(project(ended, stale, 5), ended);
    assert.equal(checkpointOf(ended, 4, at(16)), undefined, 'an ended run is compacted, not checkpointed');
  });

  it('given a checkpoint of an earlier run, when a later run is active, then the later run is untouched', () => {
    const log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'copied')])],
    ];
    const old = checkpointOf(fold(log)!, 3, at(9))!;
    const later = fold([...log, [4, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(15) } }], [5, started(2)], [6, processed(2, [outcome(0, 'skipped')])]])!;
    assert.equal(project(later, old, 7), later);
  });
});
