import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sweepVerdict } from '../../services/copier/uploadSweep.js';

const HOUR = 3_600_000;
const now = Date.parse('2026-03-01T12:00:00Z');
const writtenAgo = (ms: number) => ({ updated_at: new Date(now - ms).toISOString() });

describe("a copier's start-up sweep of recorded multipart uploads", () => {
  it('keeps an upload of a run still served (running or paused) written within stale_upload_age', () => {
    assert.equal(sweepVerdict(writtenAgo(HOUR), 3, { run: 3, status: 'running' }, now, 24 * HOUR), undefined);
    assert.equal(sweepVerdict(writtenAgo(23 * HOUR), 3, { run: 3, status: 'paused' }, now, 24 * HOUR), undefined);
  });

  it('aborts one nobody wrote for longer, though its run is served', () => {
    assert.equal(sweepVerdict(writtenAgo(25 * HOUR), 3, { run: 3, status: 'running' }, now, 24 * HOUR), 'stale');
    assert.equal(sweepVerdict(writtenAgo(2 * HOUR), 3, { run: 3, status: 'running' }, now, HOUR), 'stale');
    assert.equal(sweepVerdict({ updated_at: 'not a time' }, 3, { run: 3, status: 'running' }, now, HOUR), 'stale');
  });

  it('aborts one whose run ended (cancelled, failed, completed, a later run started) or whose job is gone, however fresh', () => {
    for (const status of ['cancelled', 'failed', 'completed'] as const) assert.equal(sweepVerdict(writtenAgo(0), 3, { run: 3, status }, now, 24 * HOUR), 'run_ended');
    assert.equal(sweepVerdict(writtenAgo(0), 3, { run: 4, status: 'running' }, now, 24 * HOUR), 'run_ended');
    assert.equal(sweepVerdict(writtenAgo(0), 3, undefined, now, 24 * HOUR), 'run_ended');
  });
});
