// Original file: proto/ferry/v1/jobs.proto

import type { JobError as _ferry_v1_JobError, JobError__Output as _ferry_v1_JobError__Output } from '../../ferry/v1/JobError.js';

export interface JobErrorsResponse {
  'job_id'?: (string);
  'errors'?: (_ferry_v1_JobError)[];
  'next_page_token'?: (string);
}

export interface JobErrorsResponse__Output {
  'job_id'?: (string);
  'errors'?: (_ferry_v1_JobError__Output)[];
  'next_page_token'?: (string);
}
