import { describe, it } from 'node:test';
import type { JobCommand, JobEvent, RunCounts, StoredJobDefinition } from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-1';
const now = '2026-01-01T00:00:00.000Z';
const meta = { now };
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst' };
const counts = (failed = 0): RunCounts => ({
  total_objects: 3,
  total_bytes: 30,
  completed_objects: 3 - failed,
  completed_bytes: 30 - failed * 10,
  skipped_objects: 0,
  skipped_bytes: 0,
  failed_objects: failed,
  failed_bytes: failed * 10,
});

const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const started = (run = 1): JobEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: now } });
const listed: JobEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 3, total_bytes: 30, at: now } };
const paused: JobEvent = { type: 'JobPaused', data: { job_id: ID, run: 1, at: now } };
const completed: JobEvent = { type: 'RunCompleted', data: { job_id: ID, run: 1, counts: counts(), at: now } };
const cancelled: JobEvent = { type: 'JobCancelled', data: { job_id: ID, run: 1, at: now } };
const command = (type: 'StartJob' | 'PauseJob' | 'ResumeJob' | 'CancelJob' | 'DeleteJob'): JobCommand => ({ type, data: { job_id: ID }, metadata: meta });

describe('job decider', () => {
  it('creates a job once', () => {
    given(ID, []).when({ type: 'CreateJob', data: { definition }, metadata: meta }).then([created]);
    given(ID, [created]).when({ type: 'CreateJob', data: { definition }, metadata: meta }).thenThrows('ALREADY_EXISTS');
  });

  it('refuses commands for a job that does not exist', () => {
    given(ID, []).when(command('StartJob')).thenThrows('NOT_FOUND');
  });

  it('starts a pending job as run 1 and a finished job as the next run', () => {
    given(ID, [created]).when(command('StartJob')).then([started(1)]);
    given(ID, [created, started(1), listed, completed]).when(command('StartJob')).then([started(2)]);
    given(ID, [created, started(1), cancelled]).when(command('StartJob')).then([started(2)]);
  });

  it('refuses to start a running or paused job, naming the state', () => {
    given(ID, [created, started()]).when(command('StartJob')).thenThrows('FAILED_PRECONDITION', /running/);
    given(ID, [created, started(), paused]).when(command('StartJob')).thenThrows('FAILED_PRECONDITION', /paused/);
  });

  it('pauses only a running job and resumes only a paused one', () => {
    given(ID, [created, started()]).when(command('PauseJob')).then([paused]);
    given(ID, [created]).when(command('PauseJob')).thenThrows('FAILED_PRECONDITION', /pending/);
    given(ID, [created, started(), paused]).when(command('ResumeJob')).then([{ type: 'JobResumed', data: { job_id: ID, run: 1, at: now } }]);
    given(ID, [created, started()]).when(command('ResumeJob')).thenThrows('FAILED_PRECONDITION', /running/);
  });

  it('cancels pending, running and paused jobs but not finished ones', () => {
    given(ID, [created]).when(command('CancelJob')).then([{ type: 'JobCancelled', data: { job_id: ID, run: 0, at: now } }]);
    given(ID, [created, started()]).when(command('CancelJob')).then([cancelled]);
    given(ID, [created, started(), paused]).when(command('CancelJob')).then([cancelled]);
    given(ID, [created, started(), listed, completed]).when(command('CancelJob')).thenThrows('FAILED_PRECONDITION', /completed/);
  });

  it('deletes only jobs that are not running or paused', () => {
    given(ID, [created, started()]).when(command('DeleteJob')).thenThrows('FAILED_PRECONDITION', /cancel it first/);
    given(ID, [created, started(), cancelled]).when(command('DeleteJob')).then([{ type: 'JobDeleted', data: { job_id: ID, at: now } }]);
  });

  it('ends a run only once listing is complete, as completed or failed by its counts', () => {
    const finish = (failed: number): JobCommand => ({ type: 'FinishRun', data: { job_id: ID, run: 1, counts: counts(failed) }, metadata: meta });
    given(ID, [created, started()]).when(finish(0)).then([]);
    given(ID, [created, started(), listed]).when(finish(0)).then([completed]);
    given(ID, [created, started(), listed])
      .when(finish(1))
      .then([{ type: 'RunFailed', data: { job_id: ID, run: 1, error: '1 object failed', counts: counts(1), at: now } }]);
    given(ID, [created, started(), listed, completed]).when(finish(0)).then([]);
    given(ID, [created, started(), listed, paused]).when(finish(0)).then([]);
  });

  it('ignores listing progress from a run that is no longer current', () => {
    const checkpoint = (run: number, listed_objects: number): JobCommand => ({
      type: 'RecordListingCheckpoint',
      data: { job_id: ID, run, listed_objects, listed_bytes: 10, start_after: 'k' },
      metadata: meta,
    });
    given(ID, [created, started()])
      .when(checkpoint(1, 5))
      .then([{ type: 'ListingCheckpointed', data: { job_id: ID, run: 1, listed_objects: 5, listed_bytes: 10, start_after: 'k', at: now } }]);
    given(ID, [created, started(), cancelled]).when(checkpoint(1, 5)).then([]);
    given(ID, [created, started(1), cancelled, started(2)]).when(checkpoint(1, 5)).then([]);
  });

  it('records a warning at create for each side whose certificate is not checked', () => {
    const endpoint = 'https://s3.internal.example:8443';
    const unchecked: StoredJobDefinition = { ...definition, destination_endpoint: endpoint, destination_insecure_skip_verify: true, source_insecure_skip_verify: true };
    given(ID, []).when({ type: 'CreateJob', data: { definition: unchecked }, metadata: meta }).then([
      { type: 'JobCreated', data: { job_id: ID, definition: unchecked, at: now } },
      { type: 'TlsVerificationDisabled', data: { job_id: ID, side: 'source', at: now } },
      { type: 'TlsVerificationDisabled', data: { job_id: ID, side: 'destination', endpoint, at: now } },
    ]);
    const checked: StoredJobDefinition = { ...definition, destination_endpoint: endpoint, destination_insecure_skip_verify: false };
    given(ID, []).when({ type: 'CreateJob', data: { definition: checked }, metadata: meta }).then([{ type: 'JobCreated', data: { job_id: ID, definition: checked, at: now } }]);
  });

  it('fails a run on a fatal error while it is active', () => {
    given(ID, [created, started()])
      .when({ type: 'FailRun', data: { job_id: ID, run: 1, error: 'NoSuchBucket' }, metadata: meta })
      .then([
        {
          type: 'RunFailed',
          data: { job_id: ID, run: 1, error: 'NoSuchBucket', counts: { ...counts(), total_objects: 0, total_bytes: 0, completed_objects: 0, completed_bytes: 0 }, at: now, fatal: true },
        },
      ]);
  });
});
