// Original file: proto/ferry/v1/jobs.proto


export interface PageRequest {
  'job_id'?: (string);
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface PageRequest__Output {
  'job_id'?: (string);
  'page_size'?: (number);
  'page_token'?: (string);
}
