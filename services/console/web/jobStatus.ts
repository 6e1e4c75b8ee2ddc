import type { JobAction } from './api.js';

export const JOB_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** Which action the console offers in which state: the decider's transitions (libs/domain/decider.ts); the API has the last word (409). */
export const ACTIONS: ReadonlyArray<{ action: JobAction | 'delete'; label: string; when: ReadonlySet<string>; danger?: boolean }> = [
  { action: 'start', label: 'Start', when: new Set(['pending', 'completed', 'failed', 'cancelled']) },
  { action: 'pause', label: 'Pause', when: new Set(['running']) },
  { action: 'resume', label: 'Resume', when: new Set(['paused']) },
  { action: 'retry-failed', label: 'Retry failed', when: new Set(['failed']) },
  { action: 'cancel', label: 'Cancel', when: new Set(['pending', 'running', 'paused']), danger: true },
  { action: 'delete', label: 'Delete', when: new Set(['pending', 'completed', 'failed', 'cancelled']), danger: true },
];
