import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  OrdinalSet,
  RunFailures,
  checkpointDue,
  checkpointOf,
  keptFailuresThrough,
  project,
  withKeptFailures,
  type FailedObject,
  type FailuresKept,
  type FerryEvent,
  type JobProjection,
  type ObjectOutcome,
} from '../../libs/domain/index.js';
import { ProjectorState } from '../../services/projector/projectorState.js';

const ID = 'job-1';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const outcome = (ordinal: number, result: ObjectOutcome['result']): ObjectOutcome => ({ ordinal, key: `k${ordinal}`, size: 10, result, attempts: 1, duration_ms: 1, ...(result === 'failed' ? { error: 'boom' } : {}) });
const processed = (run: number, outcomes: ObjectOutcome[]): FerryEvent => ({ type: 'ObjectsProcessed', data: { job_id: ID, run, at: at(5), outcomes } });
const created = (report?: boolean): FerryEvent => ({
  type: 'JobCreated',
  data: {
    job_id: ID,
    definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x', ...(report ? { report: { bucket: 'reports' } } : {}) },
    at: at(0),
  },
});
const started = (run: number): FerryEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: at(run * 10) } });

function fold(events: FerryEvent[]): JobProjection {
  let p: JobProjection | undefined;
  events.forEach((e, i) => (p = project(p, e, i + 1)));
  return p!;
}
const many = (from: number, n: number, result: ObjectOutcome['result'] = 'copied') => Array.from({ length: n }, (_, i) => outcome(from + i, result));

describe('when a running run is checkpointed', () => {
  it('given outcomes since the last checkpoint below the setting, then none is due; at the setting, one is; 0 never', () => {
    const p = fold([created(), started(1), processed(1, many(0, 199))]);
    assert.equal(checkpointDue(p, 200), false);
    const q = fold([created(), started(1), processed(1, many(0, 200))]);
    assert.equal(checkpointDue(q, 200), true);
    assert.equal(checkpointDue(q, 0), false, '0 means never');
  });

  it('given a checkpoint folded, then only the outcomes after it count toward the next', () => {
    const events = [created(), started(1), processed(1, many(0, 250))];
    const checkpoint = checkpointOf(fold(events), 3, at(9))!;
    const after = fold([...events, checkpoint, processed(1, many(250, 199))]);
    assert.equal(after.checkpoint?.objects, 250);
    assert.equal(checkpointDue(after, 200), false);
    assert.equal(checkpointDue(fold([...events, checkpoint, processed(1, many(250, 200))]), 200), true);
  });

  it('given a checkpoint folded, when the projector state goes through a snapshot, then a restart still knows it (to purge below it again and to count from it)', () => {
    const state = new ProjectorState();
    const events = [created(), started(1), processed(1, many(0, 250))];
    events.forEach((e, i) => state.apply(e, i + 1));
    state.apply(checkpointOf(state.jobs.get(ID)!, 3, at(9))!, 4);
    assert.equal(state.lastOutcomeSeq.get(ID), 4);
    const restored = ProjectorState.fromSnapshot(JSON.parse(JSON.stringify(state.toSnapshot())));
    assert.deepEqual(restored.jobs.get(ID)!.checkpoint, { run: 1, seq: 4, objects: 250 });
    assert.equal(restored.lastOutcomeSeq.get(ID), undefined, 'known again from the next outcome folded');
  });

  it('given a job with a completion report, an ended run, or an earlier run not compacted, then none is due', () => {
    assert.equal(checkpointDue(fold([created(true), started(1), processed(1, many(0, 500))]), 200), false, 'the report is written from the batches');
    const ended = fold([created(), started(1), processed(1, many(0, 500)), { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(15) } }]);
    assert.equal(checkpointDue(ended, 200), false);
    const second = fold([created(), started(1), { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(15) } }, started(2), processed(2, many(0, 500))]);
    assert.equal(checkpointDue(second, 200), false, 'run 1 is not compacted yet: a purge would take its batches');
  });
});

const failure = (ordinal: number): FailedObject => ({ key: `k${ordinal}`, error: 'boom', attempts: 1, last_attempt: at(5), run: 1, ordinal, size: 10 });
const kept = (from_seq: number, through_seq: number, ordinals: number[], part = 0, parts = 1): FailuresKept['data'] => ({
  job_id: ID,
  run: 1,
  from_seq,
  through_seq,
  part,
  parts,
  failed: ordinals.map(failure),
  retries: [],
  at: at(9),
});

describe('failures kept for checkpointed batches', () => {
  it('given sets chained back to 0, then their failures are read in order, and sets off the chain are not', () => {
    const sets = [kept(0, 10, [1]), kept(10, 20, [5], 0, 2), kept(10, 20, [6], 1, 2), kept(20, 30, [9]), kept(0, 25, [1, 5, 6, 99]) /* a crashed attempt's */];
    assert.deepEqual(keptFailuresThrough(sets, 30)?.failed.map((f) => f.ordinal), [1, 5, 6, 9]);
    assert.deepEqual(keptFailuresThrough(sets, 20)?.failed.map((f) => f.ordinal), [1, 5, 6]);
    assert.deepEqual(keptFailuresThrough(sets, 0)?.failed, []);
  });

  it('given a set with a part missing or a link missing, then the chain is incomplete', () => {
    assert.equal(keptFailuresThrough([kept(0, 10, [1]), kept(10, 20, [5], 0, 2)], 20), undefined);
    assert.equal(keptFailuresThrough([kept(10, 20, [5])], 20), undefined);
  });

  it('given two complete sets ending at the same sequence, when one leads nowhere, then the other is taken', () => {
    const sets = [kept(7, 20, [3]), kept(0, 10, [1]), kept(10, 20, [5])];
    assert.deepEqual(keptFailuresThrough(sets, 20)?.failed.map((f) => f.ordinal), [1, 5]);
  });

  it('given kept failures and a collector seeded with the checkpoint bitmap, then a late outcome of a counted ordinal is not a second failure', () => {
    const collector = new RunFailures({ run: 1, fromSeq: 2 }, 100, OrdinalSet.fromData(fold([created(), started(1), processed(1, [outcome(0, 'failed'), outcome(1, 'copied')])]).done.toData()));
    collector.add(5, { type: 'ObjectsProcessed', data: { job_id: ID, run: 1, at: at(6), outcomes: [outcome(0, 'failed'), outcome(2, 'failed')] } });
    const recent = collector.drain();
    assert.deepEqual(recent.failed.map((f) => f.ordinal), [2]);
    assert.deepEqual(collector.drain().failed, [], 'a drain forgets what it returned');
    collector.add(6, { type: 'ObjectsProcessed', data: { job_id: ID, run: 1, at: at(7), outcomes: [outcome(2, 'failed'), outcome(3, 'failed')] } });
    assert.deepEqual(collector.result().failed.map((f) => f.ordinal), [3], 'but not the ordinals it saw');
    const all = withKeptFailures({ failed: [failure(4), failure(0)], retried: [] }, recent);
    assert.deepEqual(all.failed.map((f) => f.ordinal), [0, 2, 4]);
  });
});
