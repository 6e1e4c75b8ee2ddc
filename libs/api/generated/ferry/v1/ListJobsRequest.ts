// Original file: proto/ferry/v1/jobs.proto


export interface ListJobsRequest {
  'page_size'?: (number);
  'page_token'?: (string);
  'status'?: (string);
}

export interface ListJobsRequest__Output {
  'page_size'?: (number);
  'page_token'?: (string);
  'status'?: (string);
}
