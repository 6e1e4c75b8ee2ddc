import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  admit,
  beyondHistoryLimit,
  holderVerdict,
  orderQueue,
  queuePositions,
  type QueuedRun,
  type SlotHolder,
} from '../../libs/domain/index.js';

const NOW = '2026-01-01T00:10:00.000Z';
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
const queued = (job_id: string, priority: number, second: number, run = 1): QueuedRun => ({ job_id, run, priority, requested_at: at(second) });
const holder = (job_id: string, run = 1): SlotHolder => ({ job_id, run, since: at(0) });

describe('queue order', () => {
  it('puts the higher priority first, then the older start request', () => {
    const order = orderQueue([queued('low', 50, 1), queued('late-high', 200, 3), queued('early-high', 200, 2), queued('default', 100, 0)]);
    assert.deepEqual(order.map((q) => q.job_id), ['early-high', 'late-high', 'default', 'low']);
  });

  it('gives 1-based positions in that order', () => {
    const positions = queuePositions([queued('b', 50, 1), queued('c', 200, 2), queued('d', 200, 3)]);
    assert.deepEqual([...positions.entries()].sort(), [['b', 3], ['c', 1], ['d', 2]]);
  });
});

describe('admission', () => {
  it('admits nothing while every slot is held, paused jobs included', () => {
    // 'paused' holds its slot: only holderVerdict can release a slot, and it keeps a paused run.
    assert.equal(holderVerdict(holder('paused'), { exists: true, status: 'paused', run: 1 }, NOW), 'keep');
    const { holders, admitted } = admit([holder('running'), holder('paused')], [queued('w', 100, 1)], 2, NOW);
    assert.deepEqual(admitted, []);
    assert.deepEqual(holders.map((h) => h.job_id), ['running', 'paused']);
  });

  it('fills free slots in queue order and never beyond the limit', () => {
    const queue = [queued('b', 50, 1), queued('c', 200, 2), queued('d', 200, 3), queued('e', 100, 0)];
    const { holders, admitted } = admit([holder('a')], queue, 3, NOW);
    assert.deepEqual(admitted.map((q) => q.job_id), ['c', 'd']);
    assert.equal(holders.length, 3);
    assert.deepEqual(holders[2], { job_id: 'd', run: 1, since: NOW });
  });

  it('is FIFO within one priority', () => {
    const { admitted } = admit([], [queued('third', 100, 3), queued('first', 100, 1), queued('second', 100, 2)], 2, NOW);
    assert.deepEqual(admitted.map((q) => q.job_id), ['first', 'second']);
  });

  it('does not admit a job twice when it already holds a slot', () => {
    const { admitted, holders } = admit([holder('a', 2)], [queued('a', 100, 1, 2), queued('b', 100, 2)], 5, NOW);
    assert.deepEqual(admitted.map((q) => q.job_id), ['b']);
    assert.equal(holders.length, 2);
  });

  it('admits nothing when the holders already exceed the limit', () => {
    assert.deepEqual(admit([holder('a'), holder('b')], [queued('c', 100, 1)], 1, NOW).admitted, []);
  });
});

describe('slot holders checked against the job log', () => {
  it('keeps running and paused runs', () => {
    assert.equal(holderVerdict(holder('a'), { exists: true, status: 'running', run: 1 }, NOW), 'keep');
  });

  it('releases a run that ended, was cancelled, or whose job is gone', () => {
    for (const status of ['completed', 'failed', 'cancelled'] as const) assert.equal(holderVerdict(holder('a'), { exists: true, status, run: 1 }, NOW), 'release');
    assert.equal(holderVerdict(holder('a'), { exists: false }, NOW), 'release');
  });

  it('rolls forward a won slot whose run never started (a crash between slot and RunStarted)', () => {
    assert.equal(holderVerdict(holder('a', 2), { exists: true, status: 'pending', run: 1, queued_run: 2 }, NOW), 'start');
  });

  it('releases a slot won for a run that was cancelled while still queued', () => {
    assert.equal(holderVerdict(holder('a', 2), { exists: true, status: 'cancelled', run: 1 }, NOW), 'release');
  });
});

describe('a direct start (slot won, RunStarted not appended yet)', () => {
  const direct: SlotHolder = { job_id: 'a', run: 2, since: '2026-01-01T00:09:50.000Z', direct: true };

  it('keeps the slot while the start may still be appending', () => {
    assert.equal(holderVerdict(direct, { exists: true, status: 'completed', run: 1 }, NOW), 'keep');
  });

  it('releases it once the start has had time to finish and did not (it crashed)', () => {
    assert.equal(holderVerdict(direct, { exists: true, status: 'completed', run: 1 }, '2026-01-01T00:10:30.000Z'), 'release');
  });

  it('keeps it for good once the run started', () => {
    assert.equal(holderVerdict(direct, { exists: true, status: 'running', run: 2 }, '2026-01-01T01:00:00.000Z'), 'keep');
  });
});

describe('history_limit', () => {
  it('removes the finished jobs beyond the newest N, oldest first', () => {
    const finished = [
      { job_id: 'b', completed_at: at(2) },
      { job_id: 'a', completed_at: at(1) },
      { job_id: 'd', completed_at: at(4) },
      { job_id: 'c', completed_at: at(3) },
    ];
    assert.deepEqual(beyondHistoryLimit(finished, 2), ['a', 'b']);
    assert.deepEqual(beyondHistoryLimit(finished, 4), []);
  });
});
