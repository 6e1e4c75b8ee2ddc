// Original file: proto/ferry/v1/jobs.proto

import type { RunCounts as _ferry_v1_RunCounts, RunCounts__Output as _ferry_v1_RunCounts__Output } from '../../ferry/v1/RunCounts.js';
import type { DeletePhase as _ferry_v1_DeletePhase, DeletePhase__Output as _ferry_v1_DeletePhase__Output } from '../../ferry/v1/DeletePhase.js';

export interface RunSummary {
  'run'?: (number);
  'status'?: (string);
  'started_at'?: (string);
  'completed_at'?: (string);
  'error'?: (string);
  'counts'?: (_ferry_v1_RunCounts | null);
  /**
   * Set on a retry-failed run: the run whose failed objects it copies again.
   */
  'retry_of'?: (number);
  /**
   * The run's per-object outcome detail was purged from the log after it ended;
   * its counts and its failed objects are kept in a summary.
   */
  'outcomes_compacted'?: (boolean);
  /**
   * "copy", or "verify": the run compared source and destination without copying (VerifyJob).
   */
  'kind'?: (string);
  'delete_phase'?: (_ferry_v1_DeletePhase | null);
  /**
   * The s3:// URI of the run's completion report manifest.json, set once the manifest exists.
   */
  'report_location'?: (string);
  /**
   * Why the run's completion report could not be written; the run's own end is unaffected.
   */
  'report_error'?: (string);
  '_completed_at'?: "completed_at";
  '_error'?: "error";
  '_retry_of'?: "retry_of";
  '_outcomes_compacted'?: "outcomes_compacted";
  '_delete_phase'?: "delete_phase";
  '_report_location'?: "report_location";
  '_report_error'?: "report_error";
}

export interface RunSummary__Output {
  'run'?: (number);
  'status'?: (string);
  'started_at'?: (string);
  'completed_at'?: (string);
  'error'?: (string);
  'counts'?: (_ferry_v1_RunCounts__Output);
  /**
   * Set on a retry-failed run: the run whose failed objects it copies again.
   */
  'retry_of'?: (number);
  /**
   * The run's per-object outcome detail was purged from the log after it ended;
   * its counts and its failed objects are kept in a summary.
   */
  'outcomes_compacted'?: (boolean);
  /**
   * "copy", or "verify": the run compared source and destination without copying (VerifyJob).
   */
  'kind'?: (string);
  'delete_phase'?: (_ferry_v1_DeletePhase__Output);
  /**
   * The s3:// URI of the run's completion report manifest.json, set once the manifest exists.
   */
  'report_location'?: (string);
  /**
   * Why the run's completion report could not be written; the run's own end is unaffected.
   */
  'report_error'?: (string);
}
