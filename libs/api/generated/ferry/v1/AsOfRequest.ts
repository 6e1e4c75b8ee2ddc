// Original file: proto/ferry/v1/jobs.proto


export interface AsOfRequest {
  'job_id'?: (string);
  /**
   * A stream sequence number or an RFC 3339 time.
   */
  'as_of'?: (string);
}

export interface AsOfRequest__Output {
  'job_id'?: (string);
  /**
   * A stream sequence number or an RFC 3339 time.
   */
  'as_of'?: (string);
}
