// Original file: proto/ferry/v1/jobs.proto


export interface KeyRotationFailure {
  'job_id'?: (string);
  'error'?: (string);
}

export interface KeyRotationFailure__Output {
  'job_id'?: (string);
  'error'?: (string);
}
