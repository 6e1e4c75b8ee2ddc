// Original file: proto/ferry/v1/jobs.proto

import type { RunCounts as _ferry_v1_RunCounts, RunCounts__Output as _ferry_v1_RunCounts__Output } from '../../ferry/v1/RunCounts.js';
import type { Difference as _ferry_v1_Difference, Difference__Output as _ferry_v1_Difference__Output } from '../../ferry/v1/Difference.js';

export interface DifferencesResponse {
  'job_id'?: (string);
  'run'?: (number);
  /**
   * The run's status: running, paused, completed (no difference), failed (differences found) or cancelled.
   */
  'status'?: (string);
  'counts'?: (_ferry_v1_RunCounts | null);
  'differences'?: (_ferry_v1_Difference)[];
  'next_page_token'?: (string);
}

export interface DifferencesResponse__Output {
  'job_id'?: (string);
  'run'?: (number);
  /**
   * The run's status: running, paused, completed (no difference), failed (differences found) or cancelled.
   */
  'status'?: (string);
  'counts'?: (_ferry_v1_RunCounts__Output);
  'differences'?: (_ferry_v1_Difference__Output)[];
  'next_page_token'?: (string);
}
