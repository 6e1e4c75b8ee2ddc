import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError, project, runIsOver, validateJobDefinition, versioningRefusal, type FerryEvent, type JobEvent, type JobProjection, type ObjectOutcome, type StoredJobDefinition } from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';
import { httpStatusFor, toGrpcError } from '../../libs/transport/statusMapping.js';

const valid = { job_id: 'versions-1', source_bucket: 'source', destination_bucket: 'destination' };

function refusedNaming(body: Record<string, unknown>, field: string, reason: RegExp): void {
  assert.throws(
    () => validateJobDefinition(body),
    (err: unknown) => {
      assert.ok(err instanceof FerryError);
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.equal(httpStatusFor(toGrpcError(err).code), 400);
      assert.equal(err.details[0]?.field, field);
      assert.match(err.message, reason);
      return true;
    },
  );
}

describe('the versions job option', () => {
  it('given no versions, when validated, then the job copies the latest objects as before (no field stored)', () => {
    assert.equal(validateJobDefinition(valid).versions, undefined);
  });

  it('given latest or all, when validated, then it is kept as given', () => {
    assert.equal(validateJobDefinition({ ...valid, versions: 'latest' }).versions, 'latest');
    assert.equal(validateJobDefinition({ ...valid, versions: 'all' }).versions, 'all');
  });

  it('given any other value, when validated, then a 400 names versions and the values it takes', () => {
    refusedNaming({ ...valid, versions: 'ALL' }, 'versions', /must be one of latest, all/);
    refusedNaming({ ...valid, versions: 'some' }, 'versions', /must be one of latest, all/);
    refusedNaming({ ...valid, versions: true }, 'versions', /must be a string/);
  });

  it('given all with a manifest, a mirror or a per-copy verify, when validated, then a 400 names versions and why', () => {
    refusedNaming({ ...valid, versions: 'all', manifest: { bucket: 'lists', key: 'm.csv' } }, 'versions', /manifest/);
    refusedNaming({ ...valid, versions: 'all', delete_extraneous: true }, 'versions', /delete_extraneous/);
    refusedNaming({ ...valid, versions: 'all', verify: 'size' }, 'versions', /verify/);
    // latest goes with all of them, as the option's default does.
    validateJobDefinition({ ...valid, versions: 'latest', delete_extraneous: true, verify: 'size' });
  });
});

describe('starting a versions: all job against the destination bucket', () => {
  const all = { versions: 'all' as const, destination_bucket: 'dest' };

  it('given versioning Enabled, when judged, then the start is not refused', () => {
    assert.equal(versioningRefusal(all, 'Enabled'), undefined);
  });

  it('given a bucket never versioned or suspended, when judged, then FAILED_PRECONDITION (HTTP 409) names destination_bucket and the state', () => {
    for (const [state, words] of [['Unversioned', /never enabled/], ['Suspended', /suspended/]] as const) {
      const refusal = versioningRefusal(all, state);
      assert.ok(refusal);
      assert.equal(refusal.code, 'FAILED_PRECONDITION');
      assert.equal(httpStatusFor(toGrpcError(refusal).code), 409);
      assert.deepEqual(refusal.details, [{ field: 'destination_bucket', reason: `not versioned (${state})` }]);
      assert.match(refusal.message, /versions: all needs a versioned destination: destination bucket dest is not versioned/);
      assert.match(refusal.message, words);
    }
  });

  it('given versions latest or unset, when judged, then an unversioned destination is fine', () => {
    assert.equal(versioningRefusal({ versions: 'latest', destination_bucket: 'dest' }, 'Unversioned'), undefined);
    assert.equal(versioningRefusal({ destination_bucket: 'dest' }, 'Suspended'), undefined);
  });
});

describe('the decider with a versions: all job', () => {
  const ID = 'versions-1';
  const now = '2026-01-01T00:00:00.000Z';
  const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', versions: 'all' };
  const failedRun: JobEvent[] = [
    { type: 'JobCreated', data: { job_id: ID, definition, at: now } },
    { type: 'RunStarted', data: { job_id: ID, run: 1, at: now } },
    { type: 'RunFailed', data: { job_id: ID, run: 1, error: '1 object failed', counts: { total_objects: 1, total_bytes: 1, completed_objects: 0, completed_bytes: 0, skipped_objects: 0, skipped_bytes: 0, failed_objects: 1, failed_bytes: 1 }, at: now } },
  ];

  it('given a failed run, when retry-failed (or queued as one), then FAILED_PRECONDITION says to start it instead', () => {
    given(ID, failedRun).when({ type: 'RetryFailed', data: { job_id: ID }, metadata: { now } }).thenThrows('FAILED_PRECONDITION', /versions: all job: .*start the job/);
    given(ID, failedRun).when({ type: 'QueueRun', data: { job_id: ID, retry_failed: true }, metadata: { now } }).thenThrows('FAILED_PRECONDITION', /versions: all/);
  });

  it('given a failed run, when started, then a new run starts as for any job', () => {
    given(ID, failedRun).when({ type: 'StartJob', data: { job_id: ID }, metadata: { now } }).then([{ type: 'RunStarted', data: { job_id: ID, run: 2, at: now } }]);
  });
});

describe('progress of a versions: all run', () => {
  const ID = 'versions-1';
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const version = (ordinal: number, result: ObjectOutcome['result'], marker = false): ObjectOutcome => ({
    ordinal,
    key: 'k',
    size: marker ? 0 : 10,
    result,
    attempts: 0,
    duration_ms: 1,
    version_id: `v${ordinal}`,
    ...(marker ? { delete_marker: true } : {}),
    ...(result === 'copied' ? { destination_version_id: `d${ordinal}` } : {}),
  });
  const events: FerryEvent[] = [
    { type: 'JobCreated', data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', versions: 'all' }, at: at(0) } },
    { type: 'RunStarted', data: { job_id: ID, run: 1, at: at(1) } },
    { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 5, total_bytes: 30, at: at(2) } },
    { type: 'ObjectsProcessed', data: { job_id: ID, run: 1, at: at(3), outcomes: [version(0, 'copied'), version(1, 'copied'), version(2, 'copied', true), version(3, 'skipped'), version(4, 'failed')] } },
    // A batch redelivered after a copier died: counted once.
    { type: 'ObjectsProcessed', data: { job_id: ID, run: 1, at: at(4), outcomes: [version(0, 'copied'), version(2, 'copied', true)] } },
  ];

  it('given outcomes of versions and a delete marker, when folded, then versions and delete markers are counted apart, each ordinal once', () => {
    let p: JobProjection | undefined;
    events.forEach((e, i) => (p = project(p, e, i + 1)));
    const progress = p!.view.progress;
    assert.equal(progress.completed_objects, 3);
    assert.equal(progress.versions_copied, 2);
    assert.equal(progress.delete_markers_copied, 1);
    assert.equal(progress.skipped_objects, 1);
    assert.equal(progress.failed_objects, 1);
    assert.equal(runIsOver(p!.view), true);
  });

  it('given a latest-only run, when folded, then no version counters appear', () => {
    let p: JobProjection | undefined;
    const plain = events.slice(0, 3).concat([{ type: 'ObjectsProcessed', data: { job_id: ID, run: 1, at: at(3), outcomes: [{ ordinal: 0, key: 'k', size: 1, result: 'copied', attempts: 0, duration_ms: 1 }] } }]);
    plain.forEach((e, i) => (p = project(p, e, i + 1)));
    assert.equal(p!.view.progress.versions_copied, undefined);
    assert.equal(p!.view.progress.delete_markers_copied, undefined);
  });
});
