import { describe, it } from 'node:test';
import type { JobCommand, JobEvent, RunCounts, StoredJobDefinition } from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'nightly';
const now = '2026-02-01T02:00:01.000Z';
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', schedule: { cron: '0 2 * * *', timezone: 'UTC' } };
const counts: RunCounts = {
  total_objects: 1, total_bytes: 1, completed_objects: 1, completed_bytes: 1,
  skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0,
};
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: '2026-01-30T00:00:00.000Z' } };
const fire = (fire_time: string, queue = false): JobCommand => ({ type: 'FireSchedule', data: { job_id: ID, fire_time, ...(queue ? { queue } : {}) }, metadata: { now } });
const startedFor = (run: number, fire_time: string): JobEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: now, scheduled_for: fire_time } });
const completed = (run: number): JobEvent => ({ type: 'RunCompleted', data: { job_id: ID, run, counts, at: now } });
const JAN31 = '2026-01-31T02:00:00.000Z';
const FEB1 = '2026-02-01T02:00:00.000Z';

describe('FireSchedule', () => {
  it('given an idle job, when a firing comes, then a run starts for that firing', () => {
    given(ID, [created]).when(fire(FEB1)).then([startedFor(1, FEB1)]);
  });

  it('given a firing already recorded, when the same firing comes again (another control process), then nothing', () => {
    given(ID, [created, startedFor(1, FEB1), completed(1)]).when(fire(FEB1)).then([]);
  });

  it('given a later firing recorded, when an older firing comes, then nothing', () => {
    given(ID, [created, startedFor(1, FEB1), completed(1)]).when(fire(JAN31)).then([]);
  });

  it('given a finished scheduled run, when the next firing comes, then the next run starts', () => {
    given(ID, [created, startedFor(1, JAN31), completed(1)]).when(fire(FEB1)).then([startedFor(2, FEB1)]);
  });

  it('given a run still active, when a firing comes, then it is skipped and recorded', () => {
    given(ID, [created, startedFor(1, JAN31)])
      .when(fire(FEB1))
      .then([{ type: 'ScheduledRunSkipped', data: { job_id: ID, run: 1, fire_time: FEB1, at: now } }]);
  });

  it('given a paused run, when a firing comes, then it is skipped', () => {
    const paused: JobEvent = { type: 'JobPaused', data: { job_id: ID, run: 1, at: now } };
    given(ID, [created, startedFor(1, JAN31), paused])
      .when(fire(FEB1))
      .then([{ type: 'ScheduledRunSkipped', data: { job_id: ID, run: 1, fire_time: FEB1, at: now } }]);
  });

  it('given a skipped firing, when the same firing comes again, then nothing', () => {
    const skipped: JobEvent = { type: 'ScheduledRunSkipped', data: { job_id: ID, run: 1, fire_time: FEB1, at: now } };
    given(ID, [created, startedFor(1, JAN31), skipped]).when(fire(FEB1)).then([]);
  });

  it('given a firing queued for want of a slot, when the scheduler admits it, then the run starts for that firing', () => {
    const queuedFor: JobEvent = { type: 'RunQueued', data: { job_id: ID, run: 1, priority: 100, at: now, scheduled_for: FEB1 } };
    const admit: JobCommand = { type: 'AdmitRun', data: { job_id: ID, run: 1 }, metadata: { now } };
    given(ID, [created, queuedFor]).when(admit).then([startedFor(1, FEB1)]);
  });

  it('given a run waiting for a slot, when a firing comes, then it is skipped', () => {
    const queued: JobEvent = { type: 'RunQueued', data: { job_id: ID, run: 1, priority: 100, at: now } };
    given(ID, [created, queued])
      .when(fire(FEB1))
      .then([{ type: 'ScheduledRunSkipped', data: { job_id: ID, run: 0, fire_time: FEB1, at: now } }]);
  });

  it('given no free slot, when a firing comes with queue, then the run is queued and the firing recorded', () => {
    const queued: JobEvent = { type: 'RunQueued', data: { job_id: ID, run: 1, priority: 100, at: now, scheduled_for: FEB1 } };
    given(ID, [created]).when(fire(FEB1, true)).then([queued]);
    given(ID, [created, queued]).when(fire(FEB1)).then([]);
  });

  it('given a job without a schedule, when a firing comes, then nothing', () => {
    const plain: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst' }, at: now } };
    given(ID, [plain]).when(fire(FEB1)).then([]);
  });

  it('given no job, when a firing comes, then NOT_FOUND', () => {
    given(ID, []).when(fire(FEB1)).thenThrows('NOT_FOUND');
  });
});
