// Original file: proto/ferry/v1/jobs.proto


/**
 * A bucket found in another region than the one configured, as the server answered (x-amz-bucket-region,
 * AuthorizationHeaderMalformed, PermanentRedirect); its requests are signed for `region` from then on.
 */
export interface BucketRegion {
  /**
   * "source" or "destination".
   */
  'side'?: (string);
  'bucket'?: (string);
  'configured_region'?: (string);
  'region'?: (string);
  /**
   * What the server answered: "x-amz-bucket-region", "AuthorizationHeaderMalformed" or "PermanentRedirect".
   */
  'reason'?: (string);
  'at'?: (string);
}

/**
 * A bucket found in another region than the one configured, as the server answered (x-amz-bucket-region,
 * AuthorizationHeaderMalformed, PermanentRedirect); its requests are signed for `region` from then on.
 */
export interface BucketRegion__Output {
  /**
   * "source" or "destination".
   */
  'side'?: (string);
  'bucket'?: (string);
  'configured_region'?: (string);
  'region'?: (string);
  /**
   * What the server answered: "x-amz-bucket-region", "AuthorizationHeaderMalformed" or "PermanentRedirect".
   */
  'reason'?: (string);
  'at'?: (string);
}
