// Original file: proto/ferry/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface Difference {
  'key'?: (string);
  /**
   * missing (not at the destination), differing or extra (at the destination only)
   */
  'difference'?: (string);
  /**
   * What differs, e.g. "size 10 at the source, 12 at the destination".
   */
  'detail'?: (string);
  'size'?: (number | string | Long);
}

export interface Difference__Output {
  'key'?: (string);
  /**
   * missing (not at the destination), differing or extra (at the destination only)
   */
  'difference'?: (string);
  /**
   * What differs, e.g. "size 10 at the source, 12 at the destination".
   */
  'detail'?: (string);
  'size'?: (number);
}
