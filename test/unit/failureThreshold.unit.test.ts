import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MIN_OBJECTS_BEFORE_THRESHOLD, failureThresholdExceeded } from '../../libs/domain/index.js';

const counts = (completed: number, failed: number, skipped = 0) => ({ completed_objects: completed, failed_objects: failed, skipped_objects: skipped });

describe('failure threshold', () => {
  it('is off without max_failure_percent', () => {
    assert.equal(failureThresholdExceeded({}, counts(0, 5000)), undefined);
  });

  it('judges only after min_objects_before_threshold objects were tried (1000 by default)', () => {
    assert.equal(failureThresholdExceeded({ max_failure_percent: 50 }, counts(0, DEFAULT_MIN_OBJECTS_BEFORE_THRESHOLD - 1)), undefined);
    assert.match(failureThresholdExceeded({ max_failure_percent: 50 }, counts(0, DEFAULT_MIN_OBJECTS_BEFORE_THRESHOLD)) ?? '', /1000 of 1000 objects tried failed \(100%/);
    assert.equal(failureThresholdExceeded({ max_failure_percent: 50, min_objects_before_threshold: 10 }, counts(1, 8)), undefined);
  });

  it('stops only when more than the percentage failed; skipped objects count as tried', () => {
    const t = { max_failure_percent: 25, min_objects_before_threshold: 4 };
    assert.equal(failureThresholdExceeded(t, counts(3, 1)), undefined, 'exactly 25% is not more');
    assert.match(failureThresholdExceeded(t, counts(2, 2)) ?? '', /2 of 4 objects tried failed \(50%, more than max_failure_percent 25%\)/);
    assert.equal(failureThresholdExceeded(t, counts(2, 2, 6)), undefined, '2 of 10');
  });
});
