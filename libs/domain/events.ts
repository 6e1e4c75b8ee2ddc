import type { JobChanges } from './jobChanges.js';
import type { JobStatus, StoredJobDefinition } from './jobDefinition.js';
import type { RunKind } from './verifyMode.js';
import type { DeletionCount } from './mirror.js';
import type { OrdinalSetData } from './ordinalSet.js';

/** An object whose run gave up on it: what the failed-objects report and FailuresRecorded carry. */
export interface FailedObject {
  key: string;
  error: string;
  attempts: number;
  /** When the batch carrying the final failure was published: the last attempt. */
  last_attempt: string;
  run: number;
  ordinal: number;
  size: number;
  /** Set in a verify run: how the destination differs (then `error` says how); absent for an object that failed. */
  difference?: Difference;
}

/** One failure (final or retried) as the job's error list shows it. */
export interface JobError {
  time: string;
  key: string;
  error: string;
  run: number;
}

/** One range of a split listing (ListingSplit) and the objects and bytes listed in it. */
export interface RangeCount {
  index: number;
  listed_objects: number;
  listed_bytes: number;
}

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
  /** A verify run's classes (absent in a copy run): objects equal on both sides, absent at the destination, different there, and at the destination only. */
  matched_objects?: number;
  missing_objects?: number;
  differing_objects?: number;
  extra_objects?: number;
  /** Destination objects a mirror run's delete phase removed (delete_extraneous); absent for runs that delete nothing. */
  deleted_objects?: number;
  deleted_bytes?: number;
  /** A `versions: all` run: of completed_objects, the versions written and the delete markers written (absent in other runs). */
  versions_copied?: number;
  delete_markers_copied?: number;
}

/** How a verify run finds one key's destination object, when it is not matched. */
export type Difference = 'missing' | 'differing' | 'extra';
export const DIFFERENCES: readonly Difference[] = ['missing', 'differing', 'extra'];

/** A verify run's counts start at zero in every class. */
export const emptyVerifyCounts = (): Required<Pick<RunCounts, 'matched_objects' | 'missing_objects' | 'differing_objects' | 'extra_objects'>> => ({
  matched_objects: 0,
  missing_objects: 0,
  differing_objects: 0,
  extra_objects: 0,
});

export const emptyCounts = (): RunCounts => ({
  total_objects: 0,
  total_bytes: 0,
  completed_objects: 0,
  completed_bytes: 0,
  skipped_objects: 0,
  skipped_bytes: 0,
  failed_objects: 0,
  failed_bytes: 0,
});

export type BucketSide = 'source' | 'destination';

/** What the server answered that named a bucket's real region. */
export type RegionEvidence = 'x-amz-bucket-region' | 'AuthorizationHeaderMalformed' | 'PermanentRedirect';

export interface BucketRegionCorrection {
  side: BucketSide;
  bucket: string;
  /** The region the job was configured with (and the first requests were signed for). */
  configured_region: string;
  region: string;
  reason: RegionEvidence;
}

/**
 * Lifecycle events of one job, appended to that job's subject `ferry.job.<token>`. `actor`: the name of
 * the API token whose command the event records (never the token); absent where Ferry itself acted.
 */
export type JobEvent =
  | { type: 'JobCreated'; data: { job_id: string; definition: StoredJobDefinition; at: string; actor?: string } }
  /** `retry_of`: the run copies only the objects that failed in that earlier run (retry-failed). */
  /** `scheduled_for`: the schedule firing that started the run. */
  /** `kind: 'verify'`: the run compares source and destination without copying (VerifyJob); absent: a copy run. */
  | { type: 'RunStarted'; data: { job_id: string; run: number; at: string; retry_of?: number; scheduled_for?: string; kind?: RunKind; actor?: string } }
  /** A start found every max_concurrent_jobs slot taken: the job waits (pending) for the scheduler to admit `run`. */
  | { type: 'RunQueued'; data: { job_id: string; run: number; priority: number; at: string; retry_of?: number; scheduled_for?: string; actor?: string } }
  /** A schedule firing found a run of the job still active (or queued), so no run started for it. */
  | { type: 'ScheduledRunSkipped'; data: { job_id: string; run: number; fire_time: string; at: string } }
  /** The run's key space was cut at these boundaries (keyRanges.ts) into ranges that listers list at once. */
  | { type: 'ListingSplit'; data: { job_id: string; run: number; boundaries: string[]; at: string } }
  | {
      type: 'ListingCheckpointed';
      /**
       * `listed_objects` and `listed_bytes` are the run's so far. `manifest_rows`: rows of a manifest read so far (a run
       * reading a manifest resumes after them). `range`: a split run's range this checkpoint is of, with its own counts;
       * `start_after` is then that range's.
       */
      data: {
        job_id: string;
        run: number;
        listed_objects: number;
        listed_bytes: number;
        start_after: string;
        manifest_rows?: number;
        range?: RangeCount;
        at: string;
      };
    }
  /** One range of a split run was listed to its end; ListingCompleted follows the last range's. */
  | { type: 'ListingRangeCompleted'; data: { job_id: string; run: number; range: RangeCount; at: string } }
  | { type: 'ListingCompleted'; data: { job_id: string; run: number; total_objects: number; total_bytes: number; at: string } }
  | { type: 'JobPaused'; data: { job_id: string; run: number; at: string; actor?: string } }
  | { type: 'JobResumed'; data: { job_id: string; run: number; at: string; actor?: string } }
  /** Run settings changed (UpdateJob): the job's definition from now on, followed live by a running run's copiers. */
  | { type: 'JobUpdated'; data: { job_id: string; run: number; changes: JobChanges; at: string; actor?: string } }
  | { type: 'JobCancelled'; data: { job_id: string; run: number; at: string; actor?: string } }
  | { type: 'RunCompleted'; data: { job_id: string; run: number; counts: RunCounts; at: string } }
  /** `fatal`: the run was stopped by an error of its own (FailRun: an endpoint failing, a destination refusing writes), not by failed objects. */
  | { type: 'RunFailed'; data: { job_id: string; run: number; error: string; counts: RunCounts; at: string; fatal?: true } }
  /** A bucket's requests were signed for another region than the server's: they are signed for `region` from then on. */
  | { type: 'BucketRegionCorrected'; data: BucketRegionCorrection & { job_id: string; run: number; at: string } }
  /** A warning, at create: one side's HTTPS certificate is not checked (insecure_skip_verify); `endpoint` names the job's own destination endpoint. */
  | { type: 'TlsVerificationDisabled'; data: { job_id: string; side: BucketSide; endpoint?: string; at: string } }
  | { type: 'JobDeleted'; data: { job_id: string; at: string; actor?: string } }
  /** A mirror run's counting pass (after the copy phase) found what its delete phase will remove; nothing is deleted before this. */
  | { type: 'DeletionPlanned'; data: DeletionCount & { job_id: string; run: number; at: string } }
  /** One batch of destination objects the delete phase removed, numbered from 0 in key order (`batch` makes a repeat decide to nothing). */
  | { type: 'ObjectsDeleted'; data: { job_id: string; run: number; batch: number; objects: DeletedObject[]; at: string } }
  /** The delete phase is over (`note` says why nothing was deleted, if so); only now may a mirror run end. */
  | { type: 'DeletionCompleted'; data: { job_id: string; run: number; deleted_objects: number; deleted_bytes: number; note?: string; at: string } }
  /**
   * An ended run's completion report (the job's `report`) was written: `location` is the s3:// URI of its
   * manifest.json, which exists when this is appended. `run_status` is how the run ended; the notifier sends
   * that run's `completed` / `failed` webhook on this event, with the location.
   */
  | { type: 'ReportWritten'; data: { job_id: string; run: number; run_status: JobStatus; location: string; rows: number; files: number; at: string } }
  /** The report could not be written (bucket missing, access denied, endpoint unreachable): the run's end stands, this says why. */
  | { type: 'ReportFailed'; data: { job_id: string; run: number; run_status: JobStatus; error: string; at: string } };

/** A destination object a mirror run deleted: the source no longer has its key. */
export interface DeletedObject {
  key: string;
  size: number;
}

export type JobEventType = JobEvent['type'];

/** A copy run's objects are copied, skipped or failed; a verify run's are matched, one of the Differences, or failed (could not be checked). */
export type ObjectResult = 'copied' | 'skipped' | 'failed' | 'matched' | Difference;

/** What happened to one work item; many travel together in one ObjectsProcessed message. */
export interface ObjectOutcome {
  ordinal: number;
  key: string;
  size: number;
  result: ObjectResult;
  attempts: number;
  error?: string;
  /** On a failure (or a vanished source): the S3 error code and the HTTP status answered (0 or absent: no answer), for the completion report. */
  error_code?: string;
  http_status?: number;
  /** Milliseconds the copy took, for latency and rate. */
  duration_ms: number;
  /** A `versions: all` run: the source version (or delete marker) this outcome is of. */
  version_id?: string;
  delete_marker?: boolean;
  /** The destination version id it became, where the destination answered one (ids cannot be kept across endpoints). */
  destination_version_id?: string;
}

/** A failed attempt that will be retried: not an outcome, but what GET .../errors shows while a job struggles. */
export interface RetriedAttempt {
  ordinal: number;
  key: string;
  attempt: number;
  error: string;
}

/** Published by copiers on `ferry.outcome.<token>`. */
export interface ObjectsProcessed {
  type: 'ObjectsProcessed';
  data: { job_id: string; run: number; at: string; outcomes: ObjectOutcome[]; retries?: RetriedAttempt[] };
}

/**
 * Written once a run has ended, on `ferry.summary.<token>`, so that the run's per-object outcome
 * batches can be purged: what the failed report, /errors and retry-failed still need (the final
 * failures, in parts of bounded size, and the latest retried attempts), then the marker that the
 * run's outcome detail is gone, carrying the run's final counts so a replay still folds them.
 */
export interface FailuresRecorded {
  type: 'FailuresRecorded';
  data: { job_id: string; run: number; part: number; parts: number; failed: FailedObject[]; retries: JobError[]; at: string };
}

export interface OutcomesCompacted {
  type: 'OutcomesCompacted';
  /** `through_seq`: outcome batches of the run below this stream sequence were purged. */
  data: { job_id: string; run: number; counts: RunCounts; through_seq: number; at: string };
}

/** The counts a run's outcome batches add up to: what an OutcomesCheckpointed carries. */
export type OutcomeCounts = Pick<
  RunCounts,
  | 'completed_objects'
  | 'completed_bytes'
  | 'skipped_objects'
  | 'skipped_bytes'
  | 'failed_objects'
  | 'failed_bytes'
  | 'matched_objects'
  | 'missing_objects'
  | 'differing_objects'
  | 'extra_objects'
  | 'versions_copied'
  | 'delete_markers_copied'
>;

/**
 * A running run's outcome batches up to `through_seq`, summarised so they can be purged before the run
 * ends: the counts they add up to and the ordinals they cover (floor, full chunks and the partial chunks'
 * bitmaps, as OrdinalSetData), so a late outcome for an ordinal already counted is still ignored. Written
 * on the job's outcome subject with `through_seq` as the subject's expected last sequence, so no batch lies
 * between the checkpoint and the batches it covers: folding it replaces the run's outcome counts and bitmap.
 */
export interface OutcomesCheckpointed {
  type: 'OutcomesCheckpointed';
  data: {
    job_id: string;
    run: number;
    counts: OutcomeCounts;
    done: OrdinalSetData;
    /** The recent-copies window ([epoch second, bytes]) and what it measured, so a replay shows the same rate and ETA. */
    rate: Array<[number, number]>;
    current_rate_bytes_sec: number;
    estimated_completion?: string;
    through_seq: number;
    at: string;
  };
}

/**
 * The final failures (and latest retried attempts) of a running run's outcome batches in (from_seq,
 * through_seq], kept on the summary subject before a mid-run checkpoint lets those batches be purged.
 * `from_seq` is the previous checkpoint's through_seq (0 for the run's first): the sets behind a
 * checkpoint form a chain from its through_seq back to 0, and a set off that chain (left by an attempt
 * that crashed before its checkpoint) is never read. Failures of an ordinal already counted before
 * from_seq are not repeated, as the projection does not count them again.
 */
export interface FailuresKept {
  type: 'FailuresKept';
  data: { job_id: string; run: number; from_seq: number; through_seq: number; part: number; parts: number; failed: FailedObject[]; retries: JobError[]; at: string };
}

export type RunSummaryEvent = FailuresRecorded | OutcomesCompacted | OutcomesCheckpointed | FailuresKept;

export type FerryEvent = JobEvent | ObjectsProcessed | RunSummaryEvent;

/** One event of a job's history as GetJobHistory shows it: its details as JSON, secrets replaced. */
export interface HistoryEntry {
  seq: number;
  time: string;
  type: string;
  run: number;
  details_json: string;
  /** Who sent the command (a token's name); '' where Ferry itself acted. */
  actor: string;
}
