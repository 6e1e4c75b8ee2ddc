import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { project, type FerryEvent, type JobCommand, type JobEvent, type JobProjection, type RunCounts, type StoredJobDefinition } from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-q';
const now = '2026-01-01T00:00:00.000Z';
const later = '2026-01-01T00:00:05.000Z';
const meta = { now: later };
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', priority: 7 };
const counts: RunCounts = {
  total_objects: 1,
  total_bytes: 1,
  completed_objects: 1,
  completed_bytes: 1,
  skipped_objects: 0,
  skipped_bytes: 0,
  failed_objects: 0,
  failed_bytes: 0,
};
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const queued = (run = 1): JobEvent => ({ type: 'RunQueued', data: { job_id: ID, run, priority: 7, at: now } });
const started = (run = 1): JobEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: later } });
const completed: JobEvent = { type: 'RunCompleted', data: { job_id: ID, run: 1, counts, at: now } };
const cancelled = (run = 0): JobEvent => ({ type: 'JobCancelled', data: { job_id: ID, run, at: later } });
const paused: JobEvent = { type: 'JobPaused', data: { job_id: ID, run: 1, at: now } };
const cmd = (type: 'QueueRun' | 'ExpireJob'): JobCommand => ({ type, data: { job_id: ID }, metadata: meta });
const admitRun = (run: number): JobCommand => ({ type: 'AdmitRun', data: { job_id: ID, run }, metadata: meta });

describe('start under max_concurrent_jobs (decider)', () => {
  it('queues the next run with the job priority', () => {
    given(ID, [created]).when(cmd('QueueRun')).then([{ type: 'RunQueued', data: { job_id: ID, run: 1, priority: 7, at: later } }]);
  });

  it('queues a new run of a finished job', () => {
    given(ID, [created, started(), completed]).when(cmd('QueueRun')).then([{ type: 'RunQueued', data: { job_id: ID, run: 2, priority: 7, at: later } }]);
  });

  it('uses priority 100 when the definition sets none', () => {
    const plain: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition: { ...definition, priority: undefined }, at: now } };
    given(ID, [plain]).when(cmd('QueueRun')).then([{ type: 'RunQueued', data: { job_id: ID, run: 1, priority: 100, at: later } }]);
  });

  it('refuses to queue a job already waiting or running', () => {
    given(ID, [created, queued()]).when(cmd('QueueRun')).thenThrows('FAILED_PRECONDITION', /queued/);
    given(ID, [created, queued(), started()]).when(cmd('QueueRun')).thenThrows('FAILED_PRECONDITION', /running/);
    given(ID, [created, queued(), started(), paused]).when(cmd('QueueRun')).thenThrows('FAILED_PRECONDITION', /paused/);
  });

  it('starts the queued run when admitted, once', () => {
    given(ID, [created, queued()]).when(admitRun(1)).then([started()]);
    given(ID, [created, queued(), started()]).when(admitRun(1)).then([]);
  });

  it('starts nothing when the queued run was cancelled or the job deleted', () => {
    given(ID, [created, queued(), cancelled()]).when(admitRun(1)).then([]);
    given(ID, [created, queued(), { type: 'JobDeleted', data: { job_id: ID, at: now } }]).when(admitRun(1)).thenThrows('NOT_FOUND');
  });

  it('queues a retry-failed run that keeps the run it retries when admitted', () => {
    const failed: JobEvent = { type: 'RunFailed', data: { job_id: ID, run: 1, error: '1 object failed', counts, at: now } };
    const retry: JobCommand = { type: 'QueueRun', data: { job_id: ID, retry_failed: true }, metadata: meta };
    const retryQueued: JobEvent = { type: 'RunQueued', data: { job_id: ID, run: 2, priority: 7, at: later, retry_of: 1 } };
    given(ID, [created, started(), failed]).when(retry).then([retryQueued]);
    given(ID, [created, started(), failed, retryQueued]).when(admitRun(2)).then([{ type: 'RunStarted', data: { job_id: ID, run: 2, at: later, retry_of: 1 } }]);
    given(ID, [created, started(), completed]).when(retry).thenThrows('FAILED_PRECONDITION', /completed/);
  });

  it('expires only a finished job that is not waiting again', () => {
    given(ID, [created, started(), completed]).when(cmd('ExpireJob')).then([{ type: 'JobDeleted', data: { job_id: ID, at: later } }]);
    given(ID, [created, started(), completed, queued(2)]).when(cmd('ExpireJob')).then([]);
    given(ID, [created, started()]).when(cmd('ExpireJob')).then([]);
    given(ID, [created]).when(cmd('ExpireJob')).then([]);
  });
});

describe('queued jobs in the read model (projection)', () => {
  const fold = (events: FerryEvent[]) => events.reduce<JobProjection | undefined>((p, e, i) => project(p, e, i + 1), undefined)!.view;

  it('shows a waiting job as pending and queued, and clears it when the run starts', () => {
    const waiting = fold([created, queued()]);
    assert.equal(waiting.status, 'pending');
    assert.equal(waiting.queued, true);
    assert.equal(waiting.queued_at, now);
    const running = fold([created, queued(), started()]);
    assert.equal(running.status, 'running');
    assert.equal(running.queued, undefined);
    assert.equal(running.started_at, later);
  });

  it('cancelling a waiting restart leaves the earlier run summary alone', () => {
    const view = fold([created, started(), completed, queued(2), cancelled(1)]);
    assert.equal(view.status, 'cancelled');
    assert.equal(view.queued, undefined);
    assert.deepEqual(view.runs.map((r) => r.status), ['completed']);
  });
});
