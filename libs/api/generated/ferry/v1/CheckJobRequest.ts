// Original file: proto/ferry/v1/jobs.proto


export interface CheckJobRequest {
  'job_id'?: (string);
  /**
   * Also PUT a zero-byte object in the destination bucket (under the job's prefix) and DELETE it.
   */
  'write_probe'?: (boolean);
  '_write_probe'?: "write_probe";
}

export interface CheckJobRequest__Output {
  'job_id'?: (string);
  /**
   * Also PUT a zero-byte object in the destination bucket (under the job's prefix) and DELETE it.
   */
  'write_probe'?: (boolean);
}
