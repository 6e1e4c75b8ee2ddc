// Original file: proto/ferry/v1/jobs.proto

import type { HistoryEntry as _ferry_v1_HistoryEntry, HistoryEntry__Output as _ferry_v1_HistoryEntry__Output } from '../../ferry/v1/HistoryEntry.js';

export interface JobHistoryResponse {
  'job_id'?: (string);
  'events'?: (_ferry_v1_HistoryEntry)[];
  'next_page_token'?: (string);
}

export interface JobHistoryResponse__Output {
  'job_id'?: (string);
  'events'?: (_ferry_v1_HistoryEntry__Output)[];
  'next_page_token'?: (string);
}
