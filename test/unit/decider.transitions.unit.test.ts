import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  failedObjectsOf,
  offsetPage,
  recentErrors,
  runSpan,
  foldJob,
  type JobCommand,
  type JobEvent,
  type ObjectsProcessed,
  type RunCounts,
  type StoredJobDefinition,
} from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-t';
const now = '2026-02-01T00:00:00.000Z';
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst' };
const counts = (failed: number): RunCounts => ({
  total_objects: 4, total_bytes: 40, completed_objects: 4 - failed, completed_bytes: 40 - failed * 10,
  skipped_objects: 0, skipped_bytes: 0, failed_objects: failed, failed_bytes: failed * 10,
});
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const started = (run = 1): JobEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: now } });
const paused: JobEvent = { type: 'JobPaused', data: { job_id: ID, run: 1, at: now } };
const cancelled: JobEvent = { type: 'JobCancelled', data: { job_id: ID, run: 1, at: now } };
const completed: JobEvent = { type: 'RunCompleted', data: { job_id: ID, run: 1, counts: counts(0), at: now } };
const failed: JobEvent = { type: 'RunFailed', data: { job_id: ID, run: 1, error: '2 objects failed', counts: counts(2), at: now } };
const deleted: JobEvent = { type: 'JobDeleted', data: { job_id: ID, at: now } };

type UserCommand = 'StartJob' | 'PauseJob' | 'ResumeJob' | 'CancelJob' | 'DeleteJob' | 'RetryFailed';
const cmd = (type: UserCommand): JobCommand => ({ type, data: { job_id: ID }, metadata: { now } });

// Every state a job can be in, as the history that leads there.
const STATES: Record<string, JobEvent[]> = {
  pending: [created],
  running: [created, started()],
  paused: [created, started(), paused],
  completed: [created, started(), completed],
  failed: [created, started(), failed],
  cancelled: [created, started(), cancelled],
};

// The spec's state machine: what each user command yields from each state, or undefined when refused.
const ALLOWED: Record<UserCommand, Record<string, JobEvent[] | undefined>> = {
  StartJob: { pending: [started(1)], running: undefined, paused: undefined, completed: [started(2)], failed: [started(2)], cancelled: [started(2)] },
  PauseJob: { pending: undefined, running: [paused], paused: undefined, completed: undefined, failed: undefined, cancelled: undefined },
  ResumeJob: { pending: undefined, running: undefined, paused: [{ type: 'JobResumed', data: { job_id: ID, run: 1, at: now } }], completed: undefined, failed: undefined, cancelled: undefined },
  CancelJob: {
    pending: [{ type: 'JobCancelled', data: { job_id: ID, run: 0, at: now } }], running: [cancelled], paused: [cancelled],
    completed: undefined, failed: undefined, cancelled: undefined,
  },
  DeleteJob: { pending: [deleted], running: undefined, paused: undefined, completed: [deleted], failed: [deleted], cancelled: [deleted] },
  RetryFailed: {
    pending: undefined, running: undefined, paused: undefined, completed: undefined, cancelled: undefined,
    failed: [{ type: 'RunStarted', data: { job_id: ID, run: 2, at: now, retry_of: 1 } }],
  },
};

describe('job state machine: every user command from every state', () => {
  for (const [command, outcomes] of Object.entries(ALLOWED) as Array<[UserCommand, Record<string, JobEvent[] | undefined>]>) {
    for (const [state, expected] of Object.entries(outcomes)) {
      const history = STATES[state]!;
      if (expected) {
        it(`${command} from ${state} is allowed`, () => given(ID, history).when(cmd(command)).then(expected));
      } else {
        it(`${command} from ${state} is refused naming the state`, () =>
          given(ID, history).when(cmd(command)).thenThrows('FAILED_PRECONDITION', new RegExp(`is ${state}`)));
      }
    }
  }

  it('every user command on a job that does not exist (or was deleted) is NOT_FOUND', () => {
    for (const command of Object.keys(ALLOWED) as UserCommand[]) {
      given(ID, []).when(cmd(command)).thenThrows('NOT_FOUND');
      given(ID, [created, deleted]).when(cmd(command)).thenThrows('NOT_FOUND');
    }
  });

  it('a retry run remembers the run it retries; a plain start clears it', () => {
    const retry: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 2, at: now, retry_of: 1 } };
    assert.equal(foldJob(ID, [...STATES.failed!, retry]).retry_of, 1);
    const cancelledRetry: JobEvent = { type: 'JobCancelled', data: { job_id: ID, run: 2, at: now } };
    assert.equal(foldJob(ID, [...STATES.failed!, retry, cancelledRetry, started(3)]).retry_of, undefined);
  });
});

describe('failed objects from the log', () => {
  const batch = (run: number, at: string, outcomes: ObjectsProcessed['data']['outcomes']): ObjectsProcessed => ({
    type: 'ObjectsProcessed', data: { job_id: ID, run, at, outcomes },
  });
  const lifecycle = [
    { seq: 1, event: created },
    { seq: 2, event: started(1) },
    { seq: 9, event: failed },
  ];

  it('finds the latest run span and its end', () => {
    assert.deepEqual(runSpan(lifecycle), { run: 1, fromSeq: 2, endSeq: 9 });
    assert.deepEqual(runSpan([...lifecycle, { seq: 12, event: started(2) }]), { run: 2, fromSeq: 12 });
    assert.deepEqual(runSpan([...lifecycle, { seq: 12, event: started(2) }], 1), { run: 1, fromSeq: 2, endSeq: 9 });
    assert.equal(runSpan([{ seq: 1, event: created }]), undefined);
  });

  it('keeps the first outcome per ordinal, only failures of the run, in ordinal order, ignoring outcomes after the run ended', () => {
    const span = { run: 1, fromSeq: 2, endSeq: 9 };
    const found = failedObjectsOf(
      [
        { seq: 3, event: batch(1, '2026-02-01T00:00:02.000Z', [
          { ordinal: 2, key: 'c', size: 3, result: 'failed', attempts: 4, error: 'AccessDenied: no', duration_ms: 1 },
          { ordinal: 0, key: 'a', size: 1, result: 'copied', attempts: 1, duration_ms: 1 },
        ]) },
        { seq: 5, event: batch(1, '2026-02-01T00:00:03.000Z', [
          { ordinal: 1, key: 'b', size: 2, result: 'failed', attempts: 2, error: 'checksum mismatch', duration_ms: 1 },
          { ordinal: 2, key: 'c', size: 3, result: 'copied', attempts: 5, duration_ms: 1 }, // a redelivery: counted once
        ]) },
        { seq: 10, event: batch(1, '2026-02-01T00:00:04.000Z', [{ ordinal: 3, key: 'd', size: 4, result: 'failed', attempts: 1, duration_ms: 1 }]) },
      ],
      span,
    );
    assert.deepEqual(found.map((f) => [f.key, f.error, f.attempts, f.last_attempt]), [
      ['b', 'checksum mismatch', 2, '2026-02-01T00:00:03.000Z'],
      ['c', 'AccessDenied: no', 4, '2026-02-01T00:00:02.000Z'],
    ]);
    assert.deepEqual(recentErrors(found, 1).map((e) => e.key), ['b'], 'newest first, bounded');
  });

  it('pages with a token it issued and refuses others', () => {
    const items = [1, 2, 3, 4, 5];
    const first = offsetPage(items, 2);
    assert.deepEqual(first.items, [1, 2]);
    const second = offsetPage(items, 2, first.next_page_token);
    assert.deepEqual(second.items, [3, 4]);
    assert.deepEqual(offsetPage(items, 2, second.next_page_token), { items: [5], next_page_token: '' });
    assert.throws(() => offsetPage(items, 2, 'garbage!'), /page_token/);
    assert.throws(() => offsetPage(items, 5000), /page_size/);
  });
});
