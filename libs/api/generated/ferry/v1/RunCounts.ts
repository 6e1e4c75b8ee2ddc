// Original file: proto/ferry/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface RunCounts {
  'total_objects'?: (number | string | Long);
  'completed_objects'?: (number | string | Long);
  'skipped_objects'?: (number | string | Long);
  'failed_objects'?: (number | string | Long);
  'total_bytes'?: (number | string | Long);
  'completed_bytes'?: (number | string | Long);
  'skipped_bytes'?: (number | string | Long);
  'failed_bytes'?: (number | string | Long);
  /**
   * A verify run's classes (absent in a copy run).
   */
  'matched_objects'?: (number | string | Long);
  'missing_objects'?: (number | string | Long);
  'differing_objects'?: (number | string | Long);
  'extra_objects'?: (number | string | Long);
  /**
   * Destination objects a mirror run's delete phase removed.
   */
  'deleted_objects'?: (number | string | Long);
  'deleted_bytes'?: (number | string | Long);
  /**
   * A versions "all" run: of completed_objects, versions and delete markers written.
   */
  'versions_copied'?: (number | string | Long);
  'delete_markers_copied'?: (number | string | Long);
  '_matched_objects'?: "matched_objects";
  '_missing_objects'?: "missing_objects";
  '_differing_objects'?: "differing_objects";
  '_extra_objects'?: "extra_objects";
  '_versions_copied'?: "versions_copied";
  '_delete_markers_copied'?: "delete_markers_copied";
}

export interface RunCounts__Output {
  'total_objects'?: (number);
  'completed_objects'?: (number);
  'skipped_objects'?: (number);
  'failed_objects'?: (number);
  'total_bytes'?: (number);
  'completed_bytes'?: (number);
  'skipped_bytes'?: (number);
  'failed_bytes'?: (number);
  /**
   * A verify run's classes (absent in a copy run).
   */
  'matched_objects'?: (number);
  'missing_objects'?: (number);
  'differing_objects'?: (number);
  'extra_objects'?: (number);
  /**
   * Destination objects a mirror run's delete phase removed.
   */
  'deleted_objects'?: (number);
  'deleted_bytes'?: (number);
  /**
   * A versions "all" run: of completed_objects, versions and delete markers written.
   */
  'versions_copied'?: (number);
  'delete_markers_copied'?: (number);
}
