import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RATE_WINDOW_SECONDS } from '../../libs/domain/projection.js';
import { milestoneOf, project, runIsOver, viewAt, type FerryEvent, type JobProjection, type ObjectOutcome } from '../../libs/domain/index.js';

const ID = 'job-1';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const outcome = (ordinal: number, result: ObjectOutcome['result'], size = 100): ObjectOutcome => ({
  ordinal,
  key: `k${ordinal}`,
  size,
  result,
  attempts: 1,
  duration_ms: 5,
});
const processed = (second: number, outcomes: ObjectOutcome[], run = 1): FerryEvent => ({
  type: 'ObjectsProcessed',
  data: { job_id: ID, run, at: at(second), outcomes },
});

function fold(events: FerryEvent[]): JobProjection | undefined {
  let p: JobProjection | undefined;
  events.forEach((e, i) => (p = project(p, e, i + 1)));
  return p;
}

const base: FerryEvent[] = [
  { type: 'JobCreated', data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at: at(0) } },
  { type: 'RunStarted', data: { job_id: ID, run: 1, at: at(1) } },
];

describe('job projection', () => {
  it('counts each ordinal once however often its outcome is redelivered', () => {
    const p = fold([...base, processed(2, [outcome(0, 'copied'), outcome(1, 'skipped')]), processed(3, [outcome(0, 'copied'), outcome(1, 'copied'), outcome(2, 'failed')])])!;
    assert.equal(p.view.progress.completed_objects, 1);
    assert.equal(p.view.progress.skipped_objects, 1);
    assert.equal(p.view.progress.failed_objects, 1);
    assert.equal(p.view.progress.completed_bytes, 100);
  });

  it('masks the destination secret in the view', () => {
    const p = fold(base)!;
    assert.equal(p.view.destination_secret_key, '********');
    assert.equal(JSON.stringify(p.view).includes('v1:x'), false);
  });

  it('says a run is over only when listing is complete and every listed object has an outcome', () => {
    const listed: FerryEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 2, total_bytes: 200, at: at(2) } };
    assert.equal(runIsOver(fold([...base, processed(2, [outcome(0, 'copied'), outcome(1, 'copied')])])!.view), false);
    assert.equal(runIsOver(fold([...base, listed, processed(3, [outcome(0, 'copied')])])!.view), false);
    assert.equal(runIsOver(fold([...base, listed, processed(3, [outcome(0, 'copied'), outcome(1, 'failed')])])!.view), true);
  });

  it('changes the milestone on what services act on (status, listing done, run ready to end), not on progress alone', () => {
    const listed: FerryEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 3, total_bytes: 300, at: at(2) } };
    const milestone = (events: FerryEvent[]) => milestoneOf(fold(events)?.view);
    assert.notEqual(milestone(base.slice(0, 1)), milestone(base), 'started');
    assert.equal(milestone([...base, processed(2, [outcome(0, 'copied')])]), milestone(base), 'progress only');
    assert.notEqual(milestone([...base, listed]), milestone(base), 'listing complete');
    const almost = [...base, listed, processed(3, [outcome(0, 'copied'), outcome(1, 'copied')])];
    assert.equal(milestone(almost), milestone([...base, listed]), 'progress only');
    assert.notEqual(milestone([...almost, processed(4, [outcome(2, 'failed')])]), milestone(almost), 'ready to end');
    assert.equal(milestoneOf(undefined), '', 'deleted');
  });

  it('measures the rate over the recent window, not since the start', () => {
    const events = [...base];
    for (let s = 2; s < 40; s++) events.push(processed(s, [outcome(s, 'copied', s < 30 ? 1000 : 10)]));
    const p = fold(events)!;
    assert.equal(p.view.progress.current_rate_bytes_sec, 10);
  });

  it('estimates completion from remaining bytes and the rate once the total is known', () => {
    const listed: FerryEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 3, total_bytes: 300, at: at(2) } };
    const p = fold([...base, listed, processed(3, [outcome(0, 'copied')])])!;
    assert.equal(p.view.progress.current_rate_bytes_sec, 100);
    assert.equal(p.view.progress.estimated_completion, at(5));
  });

  it('lets the rate decay to 0 within its window once no byte moves, and drops the ETA while it is 0', () => {
    // Given 1000 bytes a second copied from second 3 to 7 of a run whose total is known
    const listed: FerryEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 100, total_bytes: 100_000, at: at(2) } };
    const events = [...base, listed];
    for (let s = 3; s <= 7; s++) events.push(processed(s, [outcome(s, 'copied', 1000)]));
    const p = fold(events)!;
    const ms = (s: number) => Date.parse(at(s));
    // When seen at the last outcome, then the rate and ETA are the fold's
    assert.deepEqual(viewAt(p, ms(7)).progress, p.view.progress);
    assert.equal(viewAt(p, ms(7)).progress.current_rate_bytes_sec, 1000);
    assert.equal(viewAt(p, ms(7)).progress.estimated_completion, at(7 + 95));
    // When no byte moves for a while, then the rate falls and the ETA moves out
    assert.equal(viewAt(p, ms(12) + 999).progress.current_rate_bytes_sec, 500);
    assert.equal(viewAt(p, ms(12)).progress.estimated_completion, at(12 + 190));
    // When the window holds no bytes any more, then the rate is 0 and there is no ETA
    const idle = viewAt(p, ms(7 + RATE_WINDOW_SECONDS));
    assert.equal(idle.progress.current_rate_bytes_sec, 0);
    assert.equal('estimated_completion' in idle.progress, false);
    assert.equal(idle.progress.completed_bytes, 5000, 'counts are untouched');
    // And the folded projection itself is unchanged (replay stays a function of the log)
    assert.equal(p.view.progress.current_rate_bytes_sec, 1000);
  });

  it('decays a paused run\'s rate but leaves an ended run\'s view as folded, and never drops bytes stamped after now', () => {
    const events = [...base];
    for (let s = 3; s <= 5; s++) events.push(processed(s, [outcome(s, 'copied', 300)]));
    const paused = fold([...events, { type: 'JobPaused', data: { job_id: ID, run: 1, at: at(6) } }])!;
    assert.equal(viewAt(paused, Date.parse(at(5 + RATE_WINDOW_SECONDS))).progress.current_rate_bytes_sec, 0);
    assert.equal(viewAt(paused, Date.parse(at(1))).progress.current_rate_bytes_sec, paused.view.progress.current_rate_bytes_sec, 'a clock behind the copiers\' counts their newest bytes');
    const cancelled = fold([...events, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(6) } }])!;
    assert.equal(viewAt(cancelled, Date.parse(at(100))), cancelled.view);
  });

  it('ignores outcomes of an older run and starts counting afresh for a new run', () => {
    const events: FerryEvent[] = [
      ...base,
      { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 1, total_bytes: 100, at: at(2) } },
      processed(3, [outcome(0, 'copied')]),
      { type: 'RunCompleted', data: { job_id: ID, run: 1, at: at(4), counts: { total_objects: 1, total_bytes: 100, completed_objects: 1, completed_bytes: 100, skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0 } } },
      { type: 'RunStarted', data: { job_id: ID, run: 2, at: at(5) } },
      processed(6, [outcome(0, 'copied')], 1),
    ];
    const p = fold(events)!;
    assert.equal(p.view.run, 2);
    assert.equal(p.view.status, 'running');
    assert.equal(p.view.progress.completed_objects, 0);
    assert.deepEqual(p.view.runs.map((r) => [r.run, r.status]), [[1, 'completed'], [2, 'running']]);
    assert.equal(p.view.runs[0]!.counts.completed_objects, 1);
  });

  it('forgets a deleted job', () => {
    assert.equal(fold([...base, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: at(2) } }, { type: 'JobDeleted', data: { job_id: ID, at: at(3) } }]), undefined);
  });
});
