import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Slots } from '../../services/copier/slots.js';

describe("a copier's slots", () => {
  it('never hands out more than its capacity', () => {
    const slots = new Slots(3);
    assert.equal(slots.tryAcquire(5), 3);
    assert.equal(slots.tryAcquire(1), 0);
    slots.release(2);
    assert.equal(slots.tryAcquire(5), 2);
  });

  it('serves a waiting higher-priority job first, then waiters of equal priority in arrival order', async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const served: string[] = [];
    const waiters = [
      slots.acquire(100).then(() => served.push('normal-1')),
      slots.acquire(10).then(() => served.push('low')),
      slots.acquire(500).then(() => served.push('urgent')),
      slots.acquire(100).then(() => served.push('normal-2')),
    ];
    // Each release wakes exactly one waiter; letting its continuation run records who it was.
    for (let i = 0; i < 4; i++) {
      slots.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waiters);
    assert.deepEqual(served, ['urgent', 'normal-1', 'normal-2', 'low']);
  });
});
