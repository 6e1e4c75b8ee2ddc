// Original file: proto/ferry/v1/jobs.proto


export interface JobError {
  'time'?: (string);
  'key'?: (string);
  'error'?: (string);
  'run'?: (number);
}

export interface JobError__Output {
  'time'?: (string);
  'key'?: (string);
  'error'?: (string);
  'run'?: (number);
}
