import { emptyCounts, type JobEvent, type JobStatus, type JobView, type Progress, type RunCounts } from '../domain/index.js';

/** The job state a lifecycle event moves the job into, for the events that notify. */
export function notificationState(event: JobEvent): JobStatus | undefined {
  switch (event.type) {
    // A job is pending once created, and again while a start waits for a max_concurrent_jobs slot.
    case 'JobCreated':
    case 'RunQueued':
      return 'pending';
    case 'RunStarted':
    case 'JobResumed':
      return 'running';
    case 'JobPaused':
      return 'paused';
    case 'JobCancelled':
      return 'cancelled';
    case 'RunCompleted':
      return 'completed';
    case 'RunFailed':
      return 'failed';
    // A job with a report notifies its run's end once the report is written (or failed): see deferredToReport.
    case 'ReportWritten':
    case 'ReportFailed':
      return event.data.run_status === 'completed' || event.data.run_status === 'failed' ? event.data.run_status : undefined;
    default:
      return undefined;
  }
}

export const DEFAULT_NOTIFY_ON: readonly JobStatus[] = ['completed', 'failed'];

export interface WebhookPayload {
  event: JobStatus;
  job_id: string;
  run: number;
  timestamp: string;
  status: JobStatus;
  progress: Progress;
  error?: string;
  /** The name of the API token whose command moved the job (created, started, paused…); absent where Ferry did. */
  actor?: string;
  /** On `completed` / `failed` of a job with a `report`: the s3:// URI of the run's manifest.json, or why it was not written. */
  report_location?: string;
  report_error?: string;
}

/**
 * A run's `completed` / `failed` webhook waits for its completion report when the job writes one: it is sent
 * on ReportWritten / ReportFailed instead of on RunCompleted / RunFailed, carrying the report's location.
 */
export function deferredToReport(event: JobEvent, hasReport: boolean): boolean {
  return hasReport && (event.type === 'RunCompleted' || event.type === 'RunFailed');
}

/** A report event's webhook: the payload of the event that ended its run, with the report's location or error. */
export function reportPayload(report: Extract<JobEvent, { type: 'ReportWritten' | 'ReportFailed' }>, ending: JobEvent, view: JobView | undefined): WebhookPayload | undefined {
  const payload = buildPayload(ending, view);
  if (!payload) return undefined;
  return { ...payload, ...(report.type === 'ReportWritten' ? { report_location: report.data.location } : { report_error: report.data.error }) };
}

const finalProgress = (counts: RunCounts): Progress => ({ ...counts, listing_complete: true, current_rate_bytes_sec: 0 });

/**
 * The body of one notification. Terminal events carry the run's final counts, which
 * are authoritative; otherwise progress comes from the read model when it shows
 * the same run (it may lag or have moved on to a later run).
 */
export function buildPayload(event: JobEvent, view: JobView | undefined): WebhookPayload | undefined {
  const state = notificationState(event);
  if (!state) return undefined;
  const { job_id, at } = event.data;
  const run = 'run' in event.data ? event.data.run : 0; // a created job has had no run yet
  let progress: Progress;
  if (event.type === 'RunCompleted' || event.type === 'RunFailed') progress = finalProgress(event.data.counts);
  else if (view && view.run === run) progress = view.progress;
  else progress = { ...emptyCounts(), listing_complete: false, current_rate_bytes_sec: 0 };
  return {
    event: state,
    job_id,
    run,
    timestamp: at,
    status: state,
    progress,
    ...(event.type === 'RunFailed' ? { error: event.data.error } : {}),
    ...('actor' in event.data && event.data.actor !== undefined ? { actor: event.data.actor } : {}),
  };
}
