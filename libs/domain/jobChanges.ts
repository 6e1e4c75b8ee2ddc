import { invalidField } from './errors.js';

/** What UpdateJob may change while a job runs: settings every copier and the scheduler follow live. */
export interface JobChanges {
  rate_limit_bytes_per_sec?: number;
  concurrency?: number;
  priority?: number;
}

export const CHANGEABLE_SETTINGS = ['rate_limit_bytes_per_sec', 'concurrency', 'priority'] as const satisfies ReadonlyArray<keyof JobChanges>;

/** The bounds of the run settings, checked alike at create and at update. */
export function checkRunSettings(s: JobChanges): void {
  if (s.concurrency !== undefined && (!Number.isInteger(s.concurrency) || s.concurrency < 1 || s.concurrency > 1000)) {
    throw invalidField('concurrency', 'must be between 1 and 1000');
  }
  if (s.rate_limit_bytes_per_sec !== undefined && (!Number.isInteger(s.rate_limit_bytes_per_sec) || s.rate_limit_bytes_per_sec < 0)) {
    throw invalidField('rate_limit_bytes_per_sec', 'must not be negative (0: no limit)');
  }
  if (s.priority !== undefined && (!Number.isInteger(s.priority) || s.priority < 0 || s.priority > 1_000_000)) {
    throw invalidField('priority', 'must be between 0 and 1000000');
  }
}

/** An UpdateJob request's changes: at least one, each within its bounds. */
export function validateJobChanges(request: JobChanges): JobChanges {
  const changes: JobChanges = {};
  for (const key of CHANGEABLE_SETTINGS) if (request[key] !== undefined) changes[key] = request[key];
  if (Object.keys(changes).length === 0) throw invalidField('rate_limit_bytes_per_sec', `name at least one of ${CHANGEABLE_SETTINGS.join(', ')} to change`);
  checkRunSettings(changes);
  return changes;
}
