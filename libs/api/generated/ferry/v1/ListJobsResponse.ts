// Original file: proto/ferry/v1/jobs.proto

import type { Job as _ferry_v1_Job, Job__Output as _ferry_v1_Job__Output } from '../../ferry/v1/Job.js';

export interface ListJobsResponse {
  'jobs'?: (_ferry_v1_Job)[];
  'next_page_token'?: (string);
}

export interface ListJobsResponse__Output {
  'jobs'?: (_ferry_v1_Job__Output)[];
  'next_page_token'?: (string);
}
