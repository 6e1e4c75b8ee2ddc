// Original file: proto/ferry/v1/jobs.proto

import type { FailedObject as _ferry_v1_FailedObject, FailedObject__Output as _ferry_v1_FailedObject__Output } from '../../ferry/v1/FailedObject.js';

export interface FailedObjectsResponse {
  'job_id'?: (string);
  'failed_objects'?: (_ferry_v1_FailedObject)[];
  'next_page_token'?: (string);
}

export interface FailedObjectsResponse__Output {
  'job_id'?: (string);
  'failed_objects'?: (_ferry_v1_FailedObject__Output)[];
  'next_page_token'?: (string);
}
