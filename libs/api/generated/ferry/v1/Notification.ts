// Original file: proto/ferry/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface Notification {
  'webhook_id'?: (string);
  'job_id'?: (string);
  'run'?: (number);
  'event'?: (string);
  'url'?: (string);
  'seq'?: (number | string | Long);
  /**
   * pending (being retried), delivered or failed
   */
  'status'?: (string);
  'attempts'?: (number);
  'last_status_code'?: (number);
  'last_error'?: (string);
  'first_attempt_at'?: (string);
  'last_attempt_at'?: (string);
  'next_attempt_at'?: (string);
  '_last_status_code'?: "last_status_code";
  '_last_error'?: "last_error";
  '_next_attempt_at'?: "next_attempt_at";
}

export interface Notification__Output {
  'webhook_id'?: (string);
  'job_id'?: (string);
  'run'?: (number);
  'event'?: (string);
  'url'?: (string);
  'seq'?: (number);
  /**
   * pending (being retried), delivered or failed
   */
  'status'?: (string);
  'attempts'?: (number);
  'last_status_code'?: (number);
  'last_error'?: (string);
  'first_attempt_at'?: (string);
  'last_attempt_at'?: (string);
  'next_attempt_at'?: (string);
}
