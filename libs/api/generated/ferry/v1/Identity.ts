// Original file: proto/ferry/v1/jobs.proto


export interface Identity {
  /**
   * The token's name (ferry.auth.tokens; "admin" for FERRY_ADMIN_TOKEN), as job histories record it.
   */
  'name'?: (string);
  /**
   * admin (every RPC) or read (Get, List and Watch RPCs only).
   */
  'role'?: (string);
}

export interface Identity__Output {
  /**
   * The token's name (ferry.auth.tokens; "admin" for FERRY_ADMIN_TOKEN), as job histories record it.
   */
  'name'?: (string);
  /**
   * admin (every RPC) or read (Get, List and Watch RPCs only).
   */
  'role'?: (string);
}
