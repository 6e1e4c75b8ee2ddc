// Original file: proto/ferry/v1/jobs.proto


export interface JobRef {
  'job_id'?: (string);
}

export interface JobRef__Output {
  'job_id'?: (string);
}
