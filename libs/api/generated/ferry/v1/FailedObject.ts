// Original file: proto/ferry/v1/jobs.proto


export interface FailedObject {
  'key'?: (string);
  'error'?: (string);
  'attempts'?: (number);
  'last_attempt'?: (string);
  'run'?: (number);
}

export interface FailedObject__Output {
  'key'?: (string);
  'error'?: (string);
  'attempts'?: (number);
  'last_attempt'?: (string);
  'run'?: (number);
}
