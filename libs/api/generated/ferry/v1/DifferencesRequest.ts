// Original file: proto/ferry/v1/jobs.proto


export interface DifferencesRequest {
  'job_id'?: (string);
  /**
   * A verify run of the job; the latest verify run when absent.
   */
  'run'?: (number);
  'page_size'?: (number);
  'page_token'?: (string);
  '_run'?: "run";
}

export interface DifferencesRequest__Output {
  'job_id'?: (string);
  /**
   * A verify run of the job; the latest verify run when absent.
   */
  'run'?: (number);
  'page_size'?: (number);
  'page_token'?: (string);
}
