// Original file: proto/ferry/v1/jobs.proto

import type { BucketCheck as _ferry_v1_BucketCheck, BucketCheck__Output as _ferry_v1_BucketCheck__Output } from '../../ferry/v1/BucketCheck.js';

export interface JobCheck {
  'job_id'?: (string);
  /**
   * Every step of both sides passed or was skipped.
   */
  'ok'?: (boolean);
  'buckets'?: (_ferry_v1_BucketCheck)[];
  '_ok'?: "ok";
}

export interface JobCheck__Output {
  'job_id'?: (string);
  /**
   * Every step of both sides passed or was skipped.
   */
  'ok'?: (boolean);
  'buckets'?: (_ferry_v1_BucketCheck__Output)[];
}
