// Original file: proto/ferry/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A mirror run's delete phase: what its counting pass found and where it stands (deleting, completed,
 * stopped by max_delete). In a dry run's answer (runs[0]): would_delete, would_skip or would_stop, with the
 * first keys that would be deleted.
 */
export interface DeletePhase {
  'status'?: (string);
  /**
   * Destination objects in the selection that the source does not have, and their bytes.
   */
  'candidates'?: (number | string | Long);
  'candidate_bytes'?: (number | string | Long);
  /**
   * Destination objects in the selection (prefix, size and date filters on their own listing facts).
   */
  'destination_objects'?: (number | string | Long);
  /**
   * Source objects under the prefix.
   */
  'source_objects'?: (number | string | Long);
  /**
   * Why nothing was (or would be) deleted, or why the run was stopped.
   */
  'note'?: (string);
  'keys'?: (string)[];
  '_note'?: "note";
}

/**
 * A mirror run's delete phase: what its counting pass found and where it stands (deleting, completed,
 * stopped by max_delete). In a dry run's answer (runs[0]): would_delete, would_skip or would_stop, with the
 * first keys that would be deleted.
 */
export interface DeletePhase__Output {
  'status'?: (string);
  /**
   * Destination objects in the selection that the source does not have, and their bytes.
   */
  'candidates'?: (number);
  'candidate_bytes'?: (number);
  /**
   * Destination objects in the selection (prefix, size and date filters on their own listing facts).
   */
  'destination_objects'?: (number);
  /**
   * Source objects under the prefix.
   */
  'source_objects'?: (number);
  /**
   * Why nothing was (or would be) deleted, or why the run was stopped.
   */
  'note'?: (string);
  'keys'?: (string)[];
}
