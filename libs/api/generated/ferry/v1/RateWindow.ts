// Original file: proto/ferry/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface RateWindow {
  'at'?: (string);
  'days'?: (string);
  'rate_limit_bytes_per_sec'?: (number | string | Long);
  '_days'?: "days";
}

export interface RateWindow__Output {
  'at'?: (string);
  'days'?: (string);
  'rate_limit_bytes_per_sec'?: (number);
}
