// Original file: proto/ferry/v1/jobs.proto

import type { KeyRotationFailure as _ferry_v1_KeyRotationFailure, KeyRotationFailure__Output as _ferry_v1_KeyRotationFailure__Output } from '../../ferry/v1/KeyRotationFailure.js';

export interface KeyRotation {
  /**
   * The master key every data key is sealed under once the rotation reports no failures.
   */
  'current_key_id'?: (string);
  /**
   * The master keys the serving process holds.
   */
  'key_ids'?: (string)[];
  /**
   * Data keys re-sealed under the current key by this run.
   */
  'resealed'?: (number);
  /**
   * Data keys that already were (sealed since it became current, or by an earlier run).
   */
  'already_current'?: (number);
  /**
   * Deleted jobs: their data key was destroyed, before or during this run, and stays so.
   */
  'gone'?: (number);
  /**
   * Data keys that did not open (sealed under a master key the process does not hold, or a different key under
   * that id); they keep their old seal, and every other job was still rotated.
   */
  'failed'?: (_ferry_v1_KeyRotationFailure)[];
}

export interface KeyRotation__Output {
  /**
   * The master key every data key is sealed under once the rotation reports no failures.
   */
  'current_key_id'?: (string);
  /**
   * The master keys the serving process holds.
   */
  'key_ids'?: (string)[];
  /**
   * Data keys re-sealed under the current key by this run.
   */
  'resealed'?: (number);
  /**
   * Data keys that already were (sealed since it became current, or by an earlier run).
   */
  'already_current'?: (number);
  /**
   * Deleted jobs: their data key was destroyed, before or during this run, and stays so.
   */
  'gone'?: (number);
  /**
   * Data keys that did not open (sealed under a master key the process does not hold, or a different key under
   * that id); they keep their old seal, and every other job was still rotated.
   */
  'failed'?: (_ferry_v1_KeyRotationFailure__Output)[];
}
