/**
 * Subject and name layout. Job ids may contain '.', which NATS reads as a token
 * separator, so every subject, consumer and KV key uses the job's token instead:
 * '_' becomes '__' and '.' becomes '_d' (reversible, and only [A-Za-z0-9_-]).
 */
export function jobToken(jobId: string): string {
  const token = jobId.replace(/_/g, '__').replace(/\./g, '_d');
  // The API validates job ids first; this makes sure no caller that forgot can reach a wildcard ('*', '>') or an empty token.
  if (!TOKEN.test(token)) throw new Error(`job id ${JSON.stringify(jobId.slice(0, 64))} cannot name a NATS subject`);
  return token;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

export function jobIdFromToken(token: string): string {
  return token.replace(/_(_|d)/g, (_m, c: string) => (c === '_' ? '_' : '.'));
}

export const STREAMS = {
  /**
   * Lifecycle events (`ferry.job.<token>`), object outcomes (`ferry.outcome.<token>`) and the summaries
   * that replace a finished run's outcomes (`ferry.summary.<token>`), in one ordered log; plus empty
   * block markers (`ferry.mark.<token>`, see blockMarkers.ts), which are no events.
   */
  events: 'FERRY_EVENTS',
  /** Work items, work-queue retention: `ferry.work.<token>.<run>`. */
  work: 'FERRY_WORK',
  /** Listing tasks, one per run, work-queue retention: `ferry.task.list.<token>`. */
  tasks: 'FERRY_TASKS',
} as const;

export const KV = {
  /** The projector's read model: one entry per job, keyed by token. */
  jobs: 'ferry_jobs',
  /** Per-job data keys that seal destination secrets. */
  secrets: 'ferry_secrets',
  /** Per-job token buckets shared by every copier (rate_limit_bytes_per_sec). */
  rateLimits: 'ferry_ratelimits',
  /** Key `slots`: the jobs holding a max_concurrent_jobs slot, changed only with a revision check. */
  scheduler: 'ferry_scheduler',
  /** Webhook delivery records (`<token>.<seq>`), written by the notifier and read by control. */
  notifications: 'ferry_notifications',
  /** Multipart copies in progress (`<token>.<run>.<ordinal>`): upload id, layout, source and finished parts; copiers only. */
  uploads: 'ferry_uploads',
  /** `versions: all` jobs: per key (`<token>.<sha256 of the key>`), the source version ids copied and the destination ids they became. */
  versions: 'ferry_versions',
} as const;

export const OBJECT_STORES = {
  /** Projector snapshots (state plus the stream sequence it covers). */
  projector: 'ferry_projector',
} as const;

export const subjects = {
  job: (jobId: string) => `ferry.job.${jobToken(jobId)}`,
  outcome: (jobId: string) => `ferry.outcome.${jobToken(jobId)}`,
  summary: (jobId: string) => `ferry.summary.${jobToken(jobId)}`,
  blockMarker: (jobId: string) => `ferry.mark.${jobToken(jobId)}`,
  work: (jobId: string, run: number) => `ferry.work.${jobToken(jobId)}.${run}`,
  listTask: (jobId: string) => `ferry.task.list.${jobToken(jobId)}`,
  allJobs: 'ferry.job.*',
  allOutcomes: 'ferry.outcome.*',
  allSummaries: 'ferry.summary.*',
  allBlockMarkers: 'ferry.mark.*',
  allWork: 'ferry.work.*.*',
  allListTasks: 'ferry.task.list.*',
  /** What a copier asks control to decide for it (FailRun, RecordBucketRegion): requests, in no stream. */
  workerCommand: (jobId: string) => `ferry.command.${jobToken(jobId)}`,
  allWorkerCommands: 'ferry.command.*',
} as const;

export const consumers = {
  work: (jobId: string, run: number) => `work_${jobToken(jobId)}_${run}`,
  lister: 'lister',
} as const;
