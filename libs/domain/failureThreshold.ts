import { invalidField } from './errors.js';

/** AWS Batch Operations' rule of thumb: judge the failure rate once this many objects were tried. */
export const DEFAULT_MIN_OBJECTS_BEFORE_THRESHOLD = 1000;

/** The counts a threshold is judged on (a run's RunCounts or progress). */
export interface TriedCounts {
  completed_objects: number;
  skipped_objects: number;
  failed_objects: number;
}

/** A job's failure threshold: off unless max_failure_percent is set. */
export interface FailureThreshold {
  max_failure_percent?: number;
  min_objects_before_threshold?: number;
}

/** Checks the two fields together; problems are INVALID_ARGUMENT naming the field. */
export function checkFailureThreshold(t: FailureThreshold): void {
  if (t.max_failure_percent !== undefined && (!Number.isInteger(t.max_failure_percent) || t.max_failure_percent < 1 || t.max_failure_percent > 100)) {
    throw invalidField('max_failure_percent', 'must be a whole percentage between 1 and 100');
  }
  if (t.min_objects_before_threshold !== undefined) {
    if (t.max_failure_percent === undefined) throw invalidField('min_objects_before_threshold', 'is only used with max_failure_percent');
    if (!Number.isInteger(t.min_objects_before_threshold) || t.min_objects_before_threshold < 1 || t.min_objects_before_threshold > 1_000_000_000) {
      throw invalidField('min_objects_before_threshold', 'must be between 1 and 1000000000');
    }
  }
}

/**
 * Why a run should stop now, or undefined: once at least min_objects_before_threshold objects were
 * tried (copied, skipped or failed), more than max_failure_percent of them failed.
 */
export function failureThresholdExceeded(t: FailureThreshold, counts: TriedCounts): string | undefined {
  if (t.max_failure_percent === undefined) return undefined;
  const tried = counts.completed_objects + counts.skipped_objects + counts.failed_objects;
  const min = t.min_objects_before_threshold ?? DEFAULT_MIN_OBJECTS_BEFORE_THRESHOLD;
  if (tried === 0 || tried < min || counts.failed_objects * 100 <= t.max_failure_percent * tried) return undefined;
  const percent = Math.floor((counts.failed_objects * 100) / tried);
  return `failure threshold exceeded: ${counts.failed_objects} of ${tried} objects tried failed (${percent}%, more than max_failure_percent ${t.max_failure_percent}%); the objects not yet tried were not attempted`;
}
