// Original file: proto/ferry/v1/jobs.proto


/**
 * Where and what a job's completion report writes. Keys: <prefix>/job-<job_id>/run-<run>/manifest.json and
 * .../results/{succeeded,failed}-NNNNN.csv; rows: bucket, key (URL-encoded), version_id, status, http_status,
 * error_code, message (RFC 4180, no header).
 */
export interface ReportSpec {
  'bucket'?: (string);
  'prefix'?: (string);
  /**
   * "all" (default): every object the run processed; "failed": only the failed ones.
   */
  'scope'?: (string);
  /**
   * "destination" (default) or "source": whose endpoint and credentials write the report.
   */
  'endpoint'?: (string);
  '_prefix'?: "prefix";
  '_scope'?: "scope";
  '_endpoint'?: "endpoint";
}

/**
 * Where and what a job's completion report writes. Keys: <prefix>/job-<job_id>/run-<run>/manifest.json and
 * .../results/{succeeded,failed}-NNNNN.csv; rows: bucket, key (URL-encoded), version_id, status, http_status,
 * error_code, message (RFC 4180, no header).
 */
export interface ReportSpec__Output {
  'bucket'?: (string);
  'prefix'?: (string);
  /**
   * "all" (default): every object the run processed; "failed": only the failed ones.
   */
  'scope'?: (string);
  /**
   * "destination" (default) or "source": whose endpoint and credentials write the report.
   */
  'endpoint'?: (string);
}
