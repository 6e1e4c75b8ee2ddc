// Original file: proto/ferry/v1/jobs.proto


export interface DeleteJobResponse {
  'job_id'?: (string);
  'deleted'?: (boolean);
}

export interface DeleteJobResponse__Output {
  'job_id'?: (string);
  'deleted'?: (boolean);
}
