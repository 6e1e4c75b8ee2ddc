// Original file: proto/ferry/v1/jobs.proto


/**
 * A CSV of `bucket,key[,version_id]` rows (keys URL-encoded, as S3 Inventory and Batch Operations write them),
 * or an S3 Inventory manifest.json naming its gzipped CSV files; read from the job's source or destination endpoint.
 */
export interface Manifest {
  'bucket'?: (string);
  'key'?: (string);
  /**
   * "csv" (default) or "s3-inventory".
   */
  'format'?: (string);
  /**
   * "source" (default) or "destination".
   */
  'endpoint'?: (string);
  '_format'?: "format";
  '_endpoint'?: "endpoint";
}

/**
 * A CSV of `bucket,key[,version_id]` rows (keys URL-encoded, as S3 Inventory and Batch Operations write them),
 * or an S3 Inventory manifest.json naming its gzipped CSV files; read from the job's source or destination endpoint.
 */
export interface Manifest__Output {
  'bucket'?: (string);
  'key'?: (string);
  /**
   * "csv" (default) or "s3-inventory".
   */
  'format'?: (string);
  /**
   * "source" (default) or "destination".
   */
  'endpoint'?: (string);
}
