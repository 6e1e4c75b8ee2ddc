import type { JobStatus } from './jobDefinition.js';

/** A job holding one of the `max_concurrent_jobs` slots, for the run it was admitted to. */
export interface SlotHolder {
  job_id: string;
  run: number;
  since: string;
  /** Won by a start that found a free slot and appends RunStarted itself (nothing was queued). */
  direct?: boolean;
}

/** How long a direct start may take between winning its slot and appending RunStarted before the slot counts as leaked. */
export const DIRECT_START_GRACE_MS = 30_000;

/** A start request waiting for a slot (from the job's RunQueued). */
export interface QueuedRun {
  job_id: string;
  run: number;
  priority: number;
  requested_at: string;
}

/** What the job's own log says about a slot holder's job, folded from its subject. */
export type HolderJobState =
  | { exists: false }
  | { exists: true; status: JobStatus; run: number; queued_run?: number };

/**
 * keep: the run holds its slot (running or paused; paused jobs keep theirs).
 * start: the slot was won but RunStarted is not in the log yet; append it (roll forward).
 * release: the run ended, was cancelled before it started, or the job is gone.
 */
export type HolderVerdict = 'keep' | 'start' | 'release';

const FINISHED: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export function isFinished(status: JobStatus): boolean {
  return FINISHED.has(status);
}

export function holderVerdict(holder: SlotHolder, job: HolderJobState, now: string): HolderVerdict {
  if (!job.exists) return 'release';
  if (job.queued_run === holder.run) return 'start';
  if (job.status === 'running' || job.status === 'paused') return 'keep';
  const notStartedYet = job.run < holder.run;
  if (holder.direct && notStartedYet && Date.parse(now) - Date.parse(holder.since) < DIRECT_START_GRACE_MS) return 'keep';
  return 'release';
}

/** Higher priority first, then the oldest start request; job id only breaks exact ties so every scheduler agrees. */
export function orderQueue(queue: readonly QueuedRun[]): QueuedRun[] {
  return [...queue].sort(
    (a, b) =>
      b.priority - a.priority ||
      Date.parse(a.requested_at) - Date.parse(b.requested_at) ||
      (a.job_id < b.job_id ? -1 : a.job_id > b.job_id ? 1 : 0),
  );
}

/** 1-based position of each waiting job. */
export function queuePositions(queue: readonly QueuedRun[]): Map<string, number> {
  return new Map(orderQueue(queue).map((q, i) => [q.job_id, i + 1]));
}

export interface Admission {
  holders: SlotHolder[];
  admitted: QueuedRun[];
}

/** Admits waiting runs, in queue order, into the slots left free by `holders`; never beyond `limit`. */
export function admit(holders: readonly SlotHolder[], queue: readonly QueuedRun[], limit: number, now: string): Admission {
  const holding = new Set(holders.map((h) => h.job_id));
  const free = Math.max(0, limit - holders.length);
  const admitted = orderQueue(queue.filter((q) => !holding.has(q.job_id))).slice(0, free);
  return { holders: [...holders, ...admitted.map((q) => ({ job_id: q.job_id, run: q.run, since: now }))], admitted };
}

export interface FinishedJob {
  job_id: string;
  completed_at: string;
}

/** Finished jobs beyond the newest `limit`, oldest first: what history_limit removes. */
export function beyondHistoryLimit(finished: readonly FinishedJob[], limit: number): string[] {
  const newestFirst = [...finished].sort(
    (a, b) => Date.parse(b.completed_at) - Date.parse(a.completed_at) || (a.job_id < b.job_id ? 1 : a.job_id > b.job_id ? -1 : 0),
  );
  return newestFirst
    .slice(limit)
    .reverse()
    .map((f) => f.job_id);
}
