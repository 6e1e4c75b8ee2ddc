// Original file: proto/ferry/v1/jobs.proto


export interface CheckStep {
  /**
   * credentials, dns, tcp, tls, signature, bucket, list, write or delete
   */
  'name'?: (string);
  /**
   * passed, failed or skipped
   */
  'status'?: (string);
  'detail'?: (string);
  /**
   * On a failure: the server's error code (NoSuchBucket, SignatureDoesNotMatch...) or the socket's (ECONNREFUSED...).
   */
  'code'?: (string);
  'http_status'?: (number);
  '_code'?: "code";
  '_http_status'?: "http_status";
}

export interface CheckStep__Output {
  /**
   * credentials, dns, tcp, tls, signature, bucket, list, write or delete
   */
  'name'?: (string);
  /**
   * passed, failed or skipped
   */
  'status'?: (string);
  'detail'?: (string);
  /**
   * On a failure: the server's error code (NoSuchBucket, SignatureDoesNotMatch...) or the socket's (ECONNREFUSED...).
   */
  'code'?: (string);
  'http_status'?: (number);
}
