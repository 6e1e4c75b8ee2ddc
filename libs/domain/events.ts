import type { StoredJobDefinition } from './jobDefinition.js';

/** Final counts of one run, carried by the event that ends it so a replay never needs per-object detail. */
export interface RunCounts {
  total_objects: number;
  total_bytes: number;
  completed_objects: number;
  completed_bytes: number;
  skipped_objects: number;
  skipped_bytes: number;
  failed_objects: number;
  failed_bytes: number;
}

/** Lifecycle events of one job, appended to that job's subject `ferry.job.<token>`. */
export type JobEvent =
  | { type: 'JobCreated'; data: { job_id: string; definition: StoredJobDefinition; at: string } }
  | { type: 'RunStarted'; data: { job_id: string; run: number; at: string } }
  | {
      type: 'ListingCheckpointed';
      data: { job_id: string; run: number; listed_objects: number; listed_bytes: number; start_after: string; at: string };
    }
  | { type: 'ListingCompleted'; data: { job_id: string; run: number; total_objects: number; total_bytes: number; at: string } }
  | { type: 'JobPaused'; data: { job_id: string; run: number; at: string } }
  | { type: 'JobResumed'; data: { job_id: string; run: number; at: string } }
  | { type: 'JobCancelled'; data: { job_id: string; run: number; at: string } }
  | { type: 'RunCompleted'; data: { job_id: string; run: number; counts: RunCounts; at: string } }
  | { type: 'RunFailed'; data: { job_id: string; run: number; error: string; counts: RunCounts; at: string } }
  | { type: 'JobDeleted'; data: { job_id: string; at: string } };

export type JobEventType = JobEvent['type'];

export type ObjectResult = 'copied' | 'skipped' | 'failed';

/** What happened to one work item; many travel together in one ObjectsProcessed message. */
export interface ObjectOutcome {
  ordinal: number;
  key: string;
  size: number;
  result: ObjectResult;
  attempts: number;
  error?: string;
  /** Milliseconds the copy took, for latency and rate. */
  duration_ms: number;
}

/** Published by copiers on `ferry.outcome.<token>`. */
export interface ObjectsProcessed {
  type: 'ObjectsProcessed';
  data: { job_id: string; run: number; at: string; outcomes: ObjectOutcome[] };
}

export type FerryEvent = JobEvent | ObjectsProcessed;

export function isJobEvent(event: FerryEvent): event is JobEvent {
  return event.type !== 'ObjectsProcessed';
}
