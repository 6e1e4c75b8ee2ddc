// Original file: proto/ferry/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface HistoryEntry {
  'seq'?: (number | string | Long);
  'time'?: (string);
  'type'?: (string);
  'run'?: (number);
  'details_json'?: (string);
  /**
   * The name of the API token whose command this event records; empty where Ferry itself acted.
   */
  'actor'?: (string);
}

export interface HistoryEntry__Output {
  'seq'?: (number);
  'time'?: (string);
  'type'?: (string);
  'run'?: (number);
  'details_json'?: (string);
  /**
   * The name of the API token whose command this event records; empty where Ferry itself acted.
   */
  'actor'?: (string);
}
