// Original file: proto/ferry/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The settings to change; at least one. rate_limit_bytes_per_sec 0 removes the limit.
 */
export interface UpdateJobRequest {
  'job_id'?: (string);
  'rate_limit_bytes_per_sec'?: (number | string | Long);
  'concurrency'?: (number);
  'priority'?: (number);
  '_rate_limit_bytes_per_sec'?: "rate_limit_bytes_per_sec";
  '_concurrency'?: "concurrency";
  '_priority'?: "priority";
}

/**
 * The settings to change; at least one. rate_limit_bytes_per_sec 0 removes the limit.
 */
export interface UpdateJobRequest__Output {
  'job_id'?: (string);
  'rate_limit_bytes_per_sec'?: (number);
  'concurrency'?: (number);
  'priority'?: (number);
}
