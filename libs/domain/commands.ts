import type { JobChanges } from './jobChanges.js';
import type { JobDefinition, JobStatus, StoredJobDefinition } from './jobDefinition.js';
import type { BucketRegionCorrection, DeletedObject, RunCounts } from './events.js';
import type { DeletionCount } from './mirror.js';

/** Time comes in with every command so the decider stays pure. */
export interface CommandMetadata {
  now: string;
  /** The name of the API token that sent the command; absent for Ferry's own (lister, scheduler, supervisor). */
  actor?: string;
}

export type JobCommand =
  | { type: 'CreateJob'; data: { definition: StoredJobDefinition }; metadata: CommandMetadata }
  | { type: 'StartJob'; data: { job_id: string }; metadata: CommandMetadata }
  | { type: 'PauseJob'; data: { job_id: string }; metadata: CommandMetadata }
  | { type: 'UpdateJob'; data: { job_id: string; changes: JobChanges }; metadata: CommandMetadata }
  | { type: 'ResumeJob'; data: { job_id: string }; metadata: CommandMetadata }
  | { type: 'CancelJob'; data: { job_id: string }; metadata: CommandMetadata }
  | { type: 'DeleteJob'; data: { job_id: string }; metadata: CommandMetadata }
  /** A user's start under the max_concurrent_jobs limit: queues the next run; AdmitRun starts it once it holds a slot. */
  | { type: 'QueueRun'; data: { job_id: string; retry_failed?: boolean }; metadata: CommandMetadata }
  | { type: 'AdmitRun'; data: { job_id: string; run: number }; metadata: CommandMetadata }
  /** history_limit: removes a finished job, and only if it is still finished when decided. */
  | { type: 'ExpireJob'; data: { job_id: string }; metadata: CommandMetadata }
  | { type: 'RetryFailed'; data: { job_id: string }; metadata: CommandMetadata }
  /** Starts a run that compares source and destination over the job's selection without copying (RunStarted kind verify). */
  | { type: 'VerifyJob'; data: { job_id: string }; metadata: CommandMetadata }
  /** A schedule's firing: starts a run (or queues it when `queue`, no slot being free), skips it while one is active. */
  | { type: 'FireSchedule'; data: { job_id: string; fire_time: string; queue?: boolean }; metadata: CommandMetadata }
  /** Cuts a run's key space into ranges listed at once (keyRanges.ts); only before its listing began. */
  | { type: 'SplitListing'; data: { job_id: string; run: number; boundaries: string[] }; metadata: CommandMetadata }
  /** `range`: of a split run, and the counts and key are then that range's own. */
  | {
      type: 'RecordListingCheckpoint';
      data: { job_id: string; run: number; listed_objects: number; listed_bytes: number; start_after: string; manifest_rows?: number; range?: number };
      metadata: CommandMetadata;
    }
  /** `range`: one range of a split run ended, with its own totals; the run's listing ends with its last range. */
  | { type: 'CompleteListing'; data: { job_id: string; run: number; total_objects: number; total_bytes: number; range?: number }; metadata: CommandMetadata }
  | { type: 'FinishRun'; data: { job_id: string; run: number; counts: RunCounts }; metadata: CommandMetadata }
  | { type: 'FailRun'; data: { job_id: string; run: number; error: string }; metadata: CommandMetadata }
  /** A mirror run's counting pass: decided into DeletionPlanned, a DeletionCompleted that deletes nothing, or a RunFailed (max_delete). */
  | { type: 'PlanDeletion'; data: DeletionCount & { job_id: string; run: number }; metadata: CommandMetadata }
  | { type: 'RecordDeletions'; data: { job_id: string; run: number; batch: number; objects: DeletedObject[] }; metadata: CommandMetadata }
  | { type: 'CompleteDeletion'; data: { job_id: string; run: number }; metadata: CommandMetadata }
  /** A lister wrote (or could not write) the completion report of an ended run; recorded once per run. */
  | { type: 'RecordReport'; data: { job_id: string; run: number; run_status: JobStatus; location?: string; rows?: number; files?: number; error?: string }; metadata: CommandMetadata }
  /** A lister or copier found a bucket in another region than configured; recorded once per job, side and bucket. */
  | { type: 'RecordBucketRegion'; data: BucketRegionCorrection & { job_id: string; run: number }; metadata: CommandMetadata };

export type JobCommandType = JobCommand['type'];

export type { JobDefinition };
