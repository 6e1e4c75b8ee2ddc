import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError, foldJob, project, validateJobChanges, type FerryEvent, type JobEvent, type JobProjection, type StoredJobDefinition } from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-1';
const now = '2026-01-01T00:00:00.000Z';
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', concurrency: 2, rate_limit_bytes_per_sec: 1000 };
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const started: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 1, at: now } };
const updated = (changes: Record<string, number>): JobEvent => ({ type: 'JobUpdated', data: { job_id: ID, run: 1, changes, at: now, actor: 'alice' } });

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof FerryError);
    return err.details[0]?.field;
  }
}

describe('UpdateJob', () => {
  it('records the changes of a running job, with who made them', () => {
    given(ID, [created, started])
      .when({ type: 'UpdateJob', data: { job_id: ID, changes: { concurrency: 8 } }, metadata: { now, actor: 'alice' } })
      .then([updated({ concurrency: 8 })]);
    given(ID, []).when({ type: 'UpdateJob', data: { job_id: ID, changes: { priority: 1 } }, metadata: { now } }).thenThrows('NOT_FOUND');
  });

  it('changes the definition later runs and copiers read; a rate of 0 removes the limit', () => {
    const state = foldJob(ID, [created, started, updated({ concurrency: 8, rate_limit_bytes_per_sec: 0, priority: 3 })]);
    assert.equal(state.definition?.concurrency, 8);
    assert.equal(state.definition?.priority, 3);
    assert.equal('rate_limit_bytes_per_sec' in (state.definition ?? {}), false);
  });

  it('shows the new settings in the job view', () => {
    let p: JobProjection | undefined;
    const events: FerryEvent[] = [created, started, updated({ concurrency: 8, rate_limit_bytes_per_sec: 0 })];
    events.forEach((e, i) => (p = project(p, e, i + 1)));
    assert.equal(p?.view.concurrency, 8);
    assert.equal(p?.view.rate_limit_bytes_per_sec, undefined);
    assert.equal(p?.view.status, 'running');
  });

  it('takes only the settings it changes, at least one, each within the bounds a create checks', () => {
    assert.deepEqual(validateJobChanges({ concurrency: 4 }), { concurrency: 4 });
    assert.equal(fieldOf(() => validateJobChanges({})), 'rate_limit_bytes_per_sec');
    assert.equal(fieldOf(() => validateJobChanges({ concurrency: 1001 })), 'concurrency');
    assert.equal(fieldOf(() => validateJobChanges({ rate_limit_bytes_per_sec: -1 })), 'rate_limit_bytes_per_sec');
    assert.equal(fieldOf(() => validateJobChanges({ priority: 2_000_000 })), 'priority');
  });
});
