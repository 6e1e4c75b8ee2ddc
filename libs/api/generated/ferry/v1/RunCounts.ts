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
   * Destination objects a mirror run's delete phase removed.
   */
  'deleted_objects'?: (number | string | Long);
  'deleted_bytes'?: (number | string | Long);
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
   * Destination objects a mirror run's delete phase removed.
   */
  'deleted_objects'?: (number);
  'deleted_bytes'?: (number);
}
