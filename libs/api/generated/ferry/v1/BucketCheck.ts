// Original file: proto/ferry/v1/jobs.proto

import type { CheckStep as _ferry_v1_CheckStep, CheckStep__Output as _ferry_v1_CheckStep__Output } from '../../ferry/v1/CheckStep.js';

/**
 * One side of a job: its endpoint and bucket, and each step of reaching them.
 */
export interface BucketCheck {
  /**
   * source or destination
   */
  'side'?: (string);
  'endpoint'?: (string);
  'bucket'?: (string);
  'ok'?: (boolean);
  'steps'?: (_ferry_v1_CheckStep)[];
  '_ok'?: "ok";
}

/**
 * One side of a job: its endpoint and bucket, and each step of reaching them.
 */
export interface BucketCheck__Output {
  /**
   * source or destination
   */
  'side'?: (string);
  'endpoint'?: (string);
  'bucket'?: (string);
  'ok'?: (boolean);
  'steps'?: (_ferry_v1_CheckStep__Output)[];
}
