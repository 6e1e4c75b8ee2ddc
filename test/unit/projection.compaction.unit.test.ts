import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { project, type FerryEvent, type JobProjection, type JobView, type ObjectOutcome, type RunCounts } from '../../libs/domain/index.js';
import { nextRunToCompact } from '../../services/projector/compaction.js';

const ID = 'job-1';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const outcome = (ordinal: number, result: ObjectOutcome['result']): ObjectOutcome => ({ ordinal, key: `k${ordinal}`, size: 10, result, attempts: 1, duration_ms: 1 });
const processed = (run: number, outcomes: ObjectOutcome[]): FerryEvent => ({ type: 'ObjectsProcessed', data: { job_id: ID, run, at: at(5), outcomes } });

/** Folds the events at their positions in the log: [seq, event]. */
function fold(events: Array<[number, FerryEvent]>): JobProjection | undefined {
  let p: JobProjection | undefined;
  for (const [seq, e] of events) p = project(p, e, seq);
  return p;
}

const created: FerryEvent = {
  type: 'JobCreated',
  data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at: at(0) },
};
const started = (run: number): FerryEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: at(run * 10) } });
const listed = (run: number, total: number): FerryEvent => ({ type: 'ListingCompleted', data: { job_id: ID, run, total_objects: total, total_bytes: total * 10, at: at(run * 10 + 1) } });
const compacted = (run: number, counts: RunCounts, throughSeq: number): FerryEvent => ({
  type: 'OutcomesCompacted',
  data: { job_id: ID, run, counts, through_seq: throughSeq, at: at(run * 10 + 9) },
});

/** The log with outcome batches at `outcomeSeqs` removed, as the purge leaves it. */
const trimmed = (log: Array<[number, FerryEvent]>) => log.filter(([, e]) => e.type !== 'ObjectsProcessed');

describe('projection of compacted runs', () => {
  it('folds a log whose outcome batches were purged into the same view, for a completed run', () => {
    const counts: RunCounts = { total_objects: 3, total_bytes: 30, completed_objects: 2, completed_bytes: 20, skipped_objects: 1, skipped_bytes: 10, failed_objects: 0, failed_bytes: 0 };
    const live: Array<[number, FerryEvent]> = [
      [1, created],
      [2, started(1)],
      [3, listed(1, 3)],
      [4, processed(1, [outcome(0, 'copied'), outcome(1, 'skipped')])],
      [5, processed(1, [outcome(2, 'copied')])],
      [6, { type: 'RunCompleted', data: { job_id: ID, run: 1, counts, at: at(19) } }],
    ];
    const ended = fold(live)!.view;
    const log: Array<[number, FerryEvent]> = [...live, [7, compacted(1, ended.runs[0]!.counts, 6)]];
    const full = fold(log)!.view;
    assert.deepEqual(fold(trimmed(log))!.view, full);
    assert.equal(full.runs[0]!.outcomes_compacted, true);
    assert.deepEqual(full.runs[0]!.counts, counts);
  });

  it('restores the counts of a cancelled run, which only the outcome batches carried', () => {
    const live: Array<[number, FerryEvent]> = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'copied'), outcome(1, 'failed'), outcome(2, 'copied')])],
      [4, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(15) } }],
    ];
    const ended = fold(live)!.view;
    assert.equal(ended.progress.completed_objects, 2);
    const log: Array<[number, FerryEvent]> = [...live, [5, compacted(1, ended.runs[0]!.counts, 4)]];
    const replayed = fold(trimmed(log))!.view;
    assert.deepEqual(replayed, fold(log)!.view);
    assert.equal(replayed.progress.completed_objects, 2);
    assert.equal(replayed.progress.failed_objects, 1);
    assert.equal(replayed.status, 'cancelled');
  });

  it('changes only the run summary when a later run is already under way', () => {
    const live: Array<[number, FerryEvent]> = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'copied')])],
      [4, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(15) } }],
      [5, started(2)],
      [6, processed(2, [outcome(0, 'copied'), outcome(1, 'copied')])],
    ];
    const before = fold(live)!.view;
    const log: Array<[number, FerryEvent]> = [...live, [7, compacted(1, before.runs[0]!.counts, 4)]];
    const after = fold(log)!.view;
    assert.deepEqual(after.progress, before.progress, 'the running run keeps its own progress');
    assert.equal(after.status, 'running');
    assert.equal(after.runs[0]!.outcomes_compacted, true);
    assert.equal(after.runs[1]!.outcomes_compacted, undefined);
    // Purging run 1's batches (below seq 4) leaves run 2's, which come after its RunStarted.
    const purged = log.filter(([seq, e]) => e.type !== 'ObjectsProcessed' || seq > 4);
    assert.deepEqual(fold(purged)!.view, after);
  });

  it('ignores failure summaries: they are read by reports, not folded', () => {
    const live: Array<[number, FerryEvent]> = [[1, created], [2, started(1)]];
    const before = fold(live)!;
    const summary: FerryEvent = { type: 'FailuresRecorded', data: { job_id: ID, run: 1, part: 0, parts: 1, failed: [], retries: [], at: at(3) } };
    assert.equal(project(before, summary, 3), before);
  });
});

describe('which run to compact next', () => {
  const view = (runs: Array<Partial<JobView['runs'][number]>>, status: JobView['status'], run: number) =>
    ({ job_id: ID, status, run, runs: runs.map((r, i) => ({ run: i + 1, started_at: at(0), counts: {}, ...r })) }) as unknown as JobView;

  it('picks the oldest ended run not yet compacted', () => {
    assert.equal(nextRunToCompact(view([{ status: 'completed', outcomes_compacted: true }, { status: 'failed' }, { status: 'completed' }], 'completed', 3))?.run, 2);
  });

  it('waits while that run is still active', () => {
    assert.equal(nextRunToCompact(view([{ status: 'running' }], 'running', 1)), undefined);
    assert.equal(nextRunToCompact(view([{ status: 'paused' }], 'paused', 1)), undefined);
  });

  it('does not skip an uncompacted run to reach a later one', () => {
    assert.equal(nextRunToCompact(view([{ status: 'completed', outcomes_compacted: true }, { status: 'running' }], 'running', 2)), undefined);
    assert.equal(nextRunToCompact(view([{ status: 'completed' }, { status: 'running' }], 'running', 2))?.run, 1);
  });

  it('has nothing to do once every run is compacted', () => {
    assert.equal(nextRunToCompact(view([{ status: 'completed', outcomes_compacted: true }], 'completed', 1)), undefined);
  });
});
