import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PRIORITY, type JobCommand, type JobEvent, type StoredJobDefinition } from '../../libs/domain/index.js';
import { buildPayload } from '../../libs/webhooks/payload.js';
import { historyEntry } from '../../services/control/history.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-1';
const now = '2026-01-01T00:00:00.000Z';
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst' };
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const started: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 1, at: now } };
const paused: JobEvent = { type: 'JobPaused', data: { job_id: ID, run: 1, at: now } };
const byAlice = (type: 'StartJob' | 'PauseJob' | 'ResumeJob' | 'CancelJob' | 'DeleteJob' | 'RetryFailed'): JobCommand => ({
  type,
  data: { job_id: ID },
  metadata: { now, actor: 'alice' },
});

describe('who sent a command, recorded in its events', () => {
  it('names the actor on every event a user command decides', () => {
    given(ID, []).when({ type: 'CreateJob', data: { definition }, metadata: { now, actor: 'alice' } }).then([{ ...created, data: { ...created.data, actor: 'alice' } } as JobEvent]);
    given(ID, [created]).when(byAlice('StartJob')).then([{ type: 'RunStarted', data: { job_id: ID, run: 1, at: now, actor: 'alice' } }]);
    given(ID, [created, started]).when(byAlice('PauseJob')).then([{ type: 'JobPaused', data: { job_id: ID, run: 1, at: now, actor: 'alice' } }]);
    given(ID, [created, started, paused]).when(byAlice('ResumeJob')).then([{ type: 'JobResumed', data: { job_id: ID, run: 1, at: now, actor: 'alice' } }]);
    given(ID, [created, started]).when(byAlice('CancelJob')).then([{ type: 'JobCancelled', data: { job_id: ID, run: 1, at: now, actor: 'alice' } }]);
    given(ID, [created]).when(byAlice('DeleteJob')).then([{ type: 'JobDeleted', data: { job_id: ID, at: now, actor: 'alice' } }]);
    given(ID, [created])
      .when({ type: 'QueueRun', data: { job_id: ID }, metadata: { now, actor: 'alice' } })
      .then([{ type: 'RunQueued', data: { job_id: ID, run: 1, priority: DEFAULT_PRIORITY, at: now, actor: 'alice' } }]);
  });

  it('names no actor where Ferry acted', () => {
    given(ID, [created, started]).when({ type: 'PauseJob', data: { job_id: ID }, metadata: { now } }).then([paused]);
  });

  it('shows the actor in the history apart from the details, and in the webhook payload', () => {
    const event: JobEvent = { type: 'JobPaused', data: { job_id: ID, run: 1, at: now, actor: 'alice' } };
    const entry = historyEntry(7, event, 1);
    assert.equal(entry.actor, 'alice');
    assert.deepEqual(JSON.parse(entry.details_json), {});
    assert.equal(historyEntry(8, paused, 1).actor, '');
    assert.equal(buildPayload(event, undefined)?.actor, 'alice');
    assert.equal(buildPayload(paused, undefined)?.actor, undefined);
  });
});
