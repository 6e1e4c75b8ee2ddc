// Original file: proto/ferry/v1/jobs.proto


export interface RotateKeysRequest {
  /**
   * Refuse (FAILED_PRECONDITION) unless the serving process's current master key has this id: a rotation that
   * reaches a process still on the old configuration then changes nothing.
   */
  'to_key_id'?: (string);
  '_to_key_id'?: "to_key_id";
}

export interface RotateKeysRequest__Output {
  /**
   * Refuse (FAILED_PRECONDITION) unless the serving process's current master key has this id: a rotation that
   * reaches a process still on the old configuration then changes nothing.
   */
  'to_key_id'?: (string);
}
