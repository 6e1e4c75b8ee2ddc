import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs, type RetryPolicy } from '../../libs/domain/index.js';

const policy = (backoff: RetryPolicy['backoff']): RetryPolicy => ({ maxRetries: 5, delayMs: 1000, backoff });
const NO_JITTER = 0.5;

describe('retry delays', () => {
  it('keeps a fixed delay', () => {
    assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(policy('fixed'), n, NO_JITTER)), [1000, 1000, 1000]);
  });

  it('grows linearly', () => {
    assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(policy('linear'), n, NO_JITTER)), [1000, 2000, 3000]);
  });

  it('doubles exponentially', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(policy('exponential'), n, NO_JITTER)), [1000, 2000, 4000, 8000]);
  });

  it('spreads retries by up to 20% either way', () => {
    assert.equal(retryDelayMs(policy('fixed'), 1, 0), 800);
    assert.equal(retryDelayMs(policy('fixed'), 1, 0.999999), 1200);
  });

  it('never waits more than ten minutes', () => {
    assert.equal(retryDelayMs(policy('exponential'), 30, NO_JITTER), 600_000);
  });
});
