import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RETRIES_KEPT,
  RunFailures,
  UNKEPT_FAILURES_HELD,
  checkpointOf,
  emptyCounts,
  keptOf,
  project,
  type FerryEvent,
  type JobProjection,
  type ObjectOutcome,
  type ObjectsProcessed,
} from '../../libs/domain/index.js';
import { ProjectorState } from '../../services/projector/projectorState.js';

const ID = 'job-1';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const outcome = (ordinal: number, result: ObjectOutcome['result'], error?: string): ObjectOutcome => ({
  ordinal,
  key: `k${ordinal}`,
  size: 10,
  result,
  attempts: 1,
  duration_ms: 1,
  ...(error ? { error } : {}),
});
const processed = (run: number, outcomes: ObjectOutcome[], retried: number[] = [], second = 5): ObjectsProcessed => ({
  type: 'ObjectsProcessed',
  data: { job_id: ID, run, at: at(second), outcomes, retries: retried.map((ordinal) => ({ ordinal, key: `k${ordinal}`, attempt: 1, error: 'SlowDown' })) },
});
const created: FerryEvent = {
  type: 'JobCreated',
  data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at: at(0) },
};
const started = (run: number): FerryEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: at(run * 10) } });
/** A FailuresKept set of `run` for the batches in (fromSeq, throughSeq]: these ordinals failed, those were retried. */
const kept = (run: number, fromSeq: number, throughSeq: number, failed: number[], retried: number[] = []): FerryEvent => ({
  type: 'FailuresKept',
  data: {
    job_id: ID,
    run,
    from_seq: fromSeq,
    through_seq: throughSeq,
    part: 0,
    parts: 1,
    failed: failed.map((ordinal) => ({ ordinal, key: `k${ordinal}`, error: 'boom', attempts: 1, last_attempt: at(6), run, size: 10 })),
    retries: retried.map((ordinal) => ({ time: at(6), key: `k${ordinal}`, error: 'SlowDown', run })),
    at: at(6),
  },
});

type Log = Array<[number, FerryEvent]>;

function fold(events: Log, from?: JobProjection): JobProjection {
  let p = from;
  for (const [seq, e] of events) p = project(p, e, seq);
  assert.ok(p, 'the job exists');
  return p;
}

/** What the batch scan a checkpoint falls back to collects from the same batches after `afterSeq`. */
function scanned(log: Log, run: number, fromSeq: number, afterSeq: number) {
  const scan = new RunFailures({ run, fromSeq }, RETRIES_KEPT);
  for (const [seq, e] of log) if (e.type === 'ObjectsProcessed' && seq > afterSeq) scan.add(seq, e);
  return scan.result();
}

describe('failures held by the projection for the next mid-run checkpoint', () => {
  it('given a running run, when batches with failures, a late duplicate and retries are folded, then it holds what reading the batches back would collect', () => {
    const log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(5, 'failed', 'AccessDenied'), outcome(1, 'copied')], [5])],
      [4, processed(1, [outcome(1, 'failed', 'late duplicate'), outcome(3, 'failed', 'NoSuchKey'), outcome(5, 'copied'), outcome(2, 'differing')], [3, 4], 6)],
    ];
    const p = fold(log);
    assert.equal(p.unkept?.afterSeq, 0);
    const kept = keptOf(p.unkept);
    assert.deepEqual(
      kept.failed.map((f) => [f.ordinal, f.error, f.difference]),
      [
        [2, 'differing', 'differing'],
        [3, 'NoSuchKey', undefined],
        [5, 'AccessDenied', undefined],
      ],
    );
    assert.deepEqual(kept.retried.map((r) => r.key), ['k5', 'k3', 'k4']);
    assert.deepEqual(kept, scanned(log, 1, 2, 0));
  });

  it('given a checkpoint folded, then it holds only the failures of the batches after its through_seq', () => {
    let log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'failed', 'before')], [0])],
    ];
    log = [...log, [4, checkpointOf(fold(log), 3, at(7))!]];
    log.push([5, processed(1, [outcome(0, 'failed', 'again'), outcome(1, 'failed', 'after')], [1])]);
    const p = fold(log);
    assert.equal(p.unkept?.afterSeq, 3);
    assert.deepEqual(keptOf(p.unkept!).failed.map((f) => f.error), ['after'], 'an ordinal the checkpoint counted is not held again');
    assert.deepEqual(keptOf(p.unkept!).retried.map((r) => r.key), ['k1']);
  });

  it('given more retried attempts than are kept, then the latest are kept', () => {
    const log: Log = [[1, created], [2, started(1)]];
    for (let i = 0; i < 3 * RETRIES_KEPT; i++) log.push([3 + i, processed(1, [], [i])]);
    const retried = keptOf(fold(log).unkept!).retried;
    assert.equal(retried.length, RETRIES_KEPT);
    assert.equal(retried.at(-1)!.key, `k${3 * RETRIES_KEPT - 1}`);
    assert.equal(retried[0]!.key, `k${2 * RETRIES_KEPT}`);
  });

  it('given more failures than it holds, then it lets go of them until the next checkpoint, which starts holding afresh', () => {
    const failures = Array.from({ length: UNKEPT_FAILURES_HELD + 1 }, (_, i) => outcome(i, 'failed', 'boom'));
    let log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, failures.slice(0, UNKEPT_FAILURES_HELD))],
    ];
    assert.equal(fold(log).unkept?.failed.length, UNKEPT_FAILURES_HELD, 'up to the limit they are held');
    log.push([4, processed(1, failures.slice(UNKEPT_FAILURES_HELD))]);
    assert.equal(fold(log).unkept, undefined);
    log.push([5, processed(1, [outcome(UNKEPT_FAILURES_HELD + 1, 'failed', 'lost too')])]);
    assert.equal(fold(log).unkept, undefined, 'still let go: the checkpoint reads the batches back');
    log = [...log, [6, checkpointOf(fold(log), 5, at(8))!], [7, processed(1, [outcome(UNKEPT_FAILURES_HELD + 2, 'failed', 'held')])]];
    assert.deepEqual(keptOf(fold(log).unkept!).failed.map((f) => f.error), ['held']);
  });

  it('given the run ends, then it holds the failures for the run\'s compaction, and lets go once the run is compacted', () => {
    const log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'failed', 'boom')])],
      [4, { type: 'RunFailed', data: { job_id: ID, run: 1, error: 'stopped', counts: emptyCounts(), at: at(9) } }],
      [5, processed(1, [outcome(1, 'failed', 'after the end')])],
    ];
    assert.deepEqual(keptOf(fold(log).unkept!).failed.map((f) => f.error), ['boom'], 'a batch after the run ended is not held (nor counted)');
    const counts = fold(log).view.runs[0]!.counts;
    log.push([6, { type: 'OutcomesCompacted', data: { job_id: ID, run: 1, counts, through_seq: 4, at: at(10) } }]);
    assert.equal(fold(log).unkept, undefined);
    log.push([7, started(2)]);
    assert.deepEqual(fold(log).unkept, { afterSeq: 0, failed: [], retried: [], keptBefore: false });
  });

  it('given checkpoints that kept nothing, then the run\'s compaction has no kept set to read', () => {
    let log: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'copied')])],
      [4, kept(1, 0, 3, [])],
    ];
    log = [...log, [5, checkpointOf(fold(log), 3, at(7))!], [6, processed(1, [outcome(1, 'failed', 'after')])]];
    const p = fold(log);
    assert.equal(p.unkept?.keptBefore, false);
    assert.deepEqual(keptOf(p.unkept!).failed.map((f) => f.error), ['after'], 'what it holds is every failure of the run');
  });

  it('given a checkpoint that kept a failure, then the compaction reads the kept sets, also when a rebuild folds them without their purged batches', () => {
    const withBatches: Log = [
      [1, created],
      [2, started(1)],
      [3, processed(1, [outcome(0, 'failed', 'boom')])],
    ];
    const checkpoint = checkpointOf(fold(withBatches), 3, at(7))!;
    const live: Log = [...withBatches, [4, kept(1, 0, 3, [0])], [5, checkpoint]];
    assert.equal(fold(live).unkept?.keptBefore, true);
    const rebuilt = live.filter(([seq]) => seq !== 3);
    assert.equal(fold(rebuilt).unkept?.keptBefore, true, 'the batch is purged: the kept set says so');
    const retriedOnly: Log = [[1, created], [2, started(1)], [4, kept(1, 0, 3, [], [7])], [5, checkpoint]];
    assert.equal(fold(retriedOnly).unkept?.keptBefore, true, 'retried attempts are kept too');
    const earlierRun: Log = [[1, created], [2, started(1)], [4, kept(0, 0, 3, [0])], [5, checkpoint]];
    assert.equal(fold(earlierRun).unkept?.keptBefore, false, 'another run\'s set says nothing of this one');
  });

  it('given a checkpoint folded while the failures were not held, then it may have kept some: the compaction reads the kept sets', () => {
    const state = new ProjectorState();
    state.apply(created, 1);
    state.apply(started(1), 2);
    state.apply(processed(1, [outcome(0, 'copied')]), 3);
    const restored = ProjectorState.fromSnapshot(JSON.parse(JSON.stringify(state.toSnapshot())));
    restored.apply(checkpointOf(restored.jobs.get(ID)!, 3, at(7))!, 5);
    assert.equal(restored.jobs.get(ID)?.unkept?.keptBefore, true);
  });

  it('given a projector restored from a snapshot, then the failures are unknown (not kept in snapshots): the checkpoint reads the batches', () => {
    const state = new ProjectorState();
    state.apply(created, 1);
    state.apply(started(1), 2);
    state.apply(processed(1, [outcome(0, 'failed', 'boom')]), 3);
    assert.equal(state.jobs.get(ID)?.unkept?.failed.length, 1);
    const restored = ProjectorState.fromSnapshot(JSON.parse(JSON.stringify(state.toSnapshot())));
    assert.equal(restored.jobs.get(ID)?.unkept, undefined);
    assert.deepEqual(restored.jobs.get(ID)?.view, state.jobs.get(ID)?.view);
    assert.deepEqual(restored.jobs.get(ID)?.span, { run: 1, fromSeq: 2 }, 'the run\'s span is kept');
  });
});
