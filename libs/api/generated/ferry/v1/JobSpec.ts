// Original file: proto/ferry/v1/jobs.proto

import type { Schedule as _ferry_v1_Schedule, Schedule__Output as _ferry_v1_Schedule__Output } from '../../ferry/v1/Schedule.js';
import type { RateSchedule as _ferry_v1_RateSchedule, RateSchedule__Output as _ferry_v1_RateSchedule__Output } from '../../ferry/v1/RateSchedule.js';
import type { ReportSpec as _ferry_v1_ReportSpec, ReportSpec__Output as _ferry_v1_ReportSpec__Output } from '../../ferry/v1/ReportSpec.js';
import type { Manifest as _ferry_v1_Manifest, Manifest__Output as _ferry_v1_Manifest__Output } from '../../ferry/v1/Manifest.js';
import type { Long } from '@grpc/proto-loader';

export interface JobSpec {
  'job_id'?: (string);
  'source_bucket'?: (string);
  'destination_bucket'?: (string);
  'description'?: (string);
  'destination_endpoint'?: (string);
  'destination_access_key'?: (string);
  'destination_secret_key'?: (string);
  'destination_region'?: (string);
  'prefix'?: (string);
  'min_size'?: (number | string | Long);
  'max_size'?: (number | string | Long);
  'created_after'?: (string);
  'created_before'?: (string);
  'tags'?: ({[key: string]: string});
  'concurrency'?: (number);
  'rate_limit_bytes_per_sec'?: (number | string | Long);
  'priority'?: (number);
  'max_retries'?: (number);
  'retry_delay'?: (string);
  'retry_backoff'?: (string);
  'checkpoint_interval'?: (number);
  'notification_webhook'?: (string);
  'notify_on'?: (string)[];
  'schedule'?: (_ferry_v1_Schedule | null);
  /**
   * Validate and list what the job would copy, without creating it or copying anything.
   */
  'dry_run'?: (boolean);
  /**
   * With dry_run: how many keys first_keys lists (default 20, at most 1000).
   */
  'dry_run_key_limit'?: (number);
  /**
   * Signs this job's webhook deliveries instead of the deployment's secret; sealed like destination_secret_key.
   */
  'webhook_secret'?: (string);
  /**
   * Roles assumed through STS (AssumeRole) to read the source / write the destination; without them, static
   * keys when given, else the AWS default credential chain. external_id and session_name go with either role;
   * sts_endpoint names a non-AWS STS (e.g. a Ceph RGW's URL).
   */
  'source_role_arn'?: (string);
  'destination_role_arn'?: (string);
  'external_id'?: (string);
  'session_name'?: (string);
  'sts_endpoint'?: (string);
  /**
   * false: virtual-hosted-style requests (bucket in the host name) to destination_endpoint; unset: virtual-hosted for
   * *.amazonaws.com, path-style elsewhere. A bucket name that is not DNS-safe is always addressed path-style.
   */
  'destination_path_style'?: (boolean);
  /**
   * PEM certificates an https destination_endpoint's certificate is checked against, besides the usual roots (a
   * private CA). destination_insecure_skip_verify accepts any certificate, and the job's events record a warning.
   */
  'destination_ca_bundle'?: (string);
  'destination_insecure_skip_verify'?: (boolean);
  /**
   * Time-of-day rate windows (like rclone's --bwlimit timetable), instead of rate_limit_bytes_per_sec.
   */
  'rate_limit_schedule'?: (_ferry_v1_RateSchedule | null);
  /**
   * Stop a run as failed once more than this share of the objects tried failed (1-100; off when absent),
   * judged after min_objects_before_threshold objects were tried (default 1000).
   */
  'max_failure_percent'?: (number);
  'min_objects_before_threshold'?: (number);
  /**
   * S3's additional checksum Ferry computes while streaming and sends, for objects whose source has none:
   * "crc32c", "sha256" or "none" (the default). A source's own checksum (x-amz-checksum-*) is always carried
   * to the destination in its algorithm and checked, whatever this says.
   */
  'checksum_algorithm'?: (string);
  /**
   * Check each destination object after its copy: "size", "etag" or "checksum" (x-amz-checksum-*). A check that
   * fails fails the object (VerificationFailed). Absent: no check beyond the copy's own. Also what a verify run compares.
   */
  'verify'?: (string);
  /**
   * Mirror mode: after the copy phase, delete the destination objects inside the job's selection that the
   * source no longer has. max_delete ("500" objects, or "5%" of the destination's objects in the selection)
   * fails the run before anything is deleted when more would be; a source listing that came back empty
   * deletes nothing unless allow_empty_source.
   */
  'delete_extraneous'?: (boolean);
  'max_delete'?: (string);
  'allow_empty_source'?: (boolean);
  /**
   * A completion report written when each run ends: CSV files of per-object outcomes and a manifest.json
   * naming them (as AWS Batch Operations writes), under report.prefix in report.bucket.
   */
  'report'?: (_ferry_v1_ReportSpec | null);
  /**
   * The objects to copy, read from a manifest instead of listing the source; filters still apply.
   */
  'manifest'?: (_ferry_v1_Manifest | null);
  /**
   * A manifest row naming an object the source lacks counts failed (NoSuchKey) instead of skipped.
   */
  'manifest_strict'?: (boolean);
  /**
   * "latest" (the default): the current object of each selected key. "all": every version of each selected key,
   * oldest first, and delete markers as delete markers, into a destination bucket with versioning Enabled (a start
   * is refused with FAILED_PRECONDITION, HTTP 409, otherwise). Filters apply to each version.
   */
  'versions'?: (string);
  '_description'?: "description";
  '_destination_endpoint'?: "destination_endpoint";
  '_destination_access_key'?: "destination_access_key";
  '_destination_secret_key'?: "destination_secret_key";
  '_destination_region'?: "destination_region";
  '_prefix'?: "prefix";
  '_min_size'?: "min_size";
  '_max_size'?: "max_size";
  '_created_after'?: "created_after";
  '_created_before'?: "created_before";
  '_concurrency'?: "concurrency";
  '_rate_limit_bytes_per_sec'?: "rate_limit_bytes_per_sec";
  '_priority'?: "priority";
  '_max_retries'?: "max_retries";
  '_retry_delay'?: "retry_delay";
  '_retry_backoff'?: "retry_backoff";
  '_checkpoint_interval'?: "checkpoint_interval";
  '_notification_webhook'?: "notification_webhook";
  '_schedule'?: "schedule";
  '_dry_run'?: "dry_run";
  '_dry_run_key_limit'?: "dry_run_key_limit";
  '_webhook_secret'?: "webhook_secret";
  '_source_role_arn'?: "source_role_arn";
  '_destination_role_arn'?: "destination_role_arn";
  '_external_id'?: "external_id";
  '_session_name'?: "session_name";
  '_sts_endpoint'?: "sts_endpoint";
  '_destination_path_style'?: "destination_path_style";
  '_destination_ca_bundle'?: "destination_ca_bundle";
  '_destination_insecure_skip_verify'?: "destination_insecure_skip_verify";
  '_rate_limit_schedule'?: "rate_limit_schedule";
  '_max_failure_percent'?: "max_failure_percent";
  '_min_objects_before_threshold'?: "min_objects_before_threshold";
  '_checksum_algorithm'?: "checksum_algorithm";
  '_verify'?: "verify";
  '_delete_extraneous'?: "delete_extraneous";
  '_max_delete'?: "max_delete";
  '_allow_empty_source'?: "allow_empty_source";
  '_report'?: "report";
  '_manifest'?: "manifest";
  '_manifest_strict'?: "manifest_strict";
  '_versions'?: "versions";
}

export interface JobSpec__Output {
  'job_id'?: (string);
  'source_bucket'?: (string);
  'destination_bucket'?: (string);
  'description'?: (string);
  'destination_endpoint'?: (string);
  'destination_access_key'?: (string);
  'destination_secret_key'?: (string);
  'destination_region'?: (string);
  'prefix'?: (string);
  'min_size'?: (number);
  'max_size'?: (number);
  'created_after'?: (string);
  'created_before'?: (string);
  'tags'?: ({[key: string]: string});
  'concurrency'?: (number);
  'rate_limit_bytes_per_sec'?: (number);
  'priority'?: (number);
  'max_retries'?: (number);
  'retry_delay'?: (string);
  'retry_backoff'?: (string);
  'checkpoint_interval'?: (number);
  'notification_webhook'?: (string);
  'notify_on'?: (string)[];
  'schedule'?: (_ferry_v1_Schedule__Output);
  /**
   * Validate and list what the job would copy, without creating it or copying anything.
   */
  'dry_run'?: (boolean);
  /**
   * With dry_run: how many keys first_keys lists (default 20, at most 1000).
   */
  'dry_run_key_limit'?: (number);
  /**
   * Signs this job's webhook deliveries instead of the deployment's secret; sealed like destination_secret_key.
   */
  'webhook_secret'?: (string);
  /**
   * Roles assumed through STS (AssumeRole) to read the source / write the destination; without them, static
   * keys when given, else the AWS default credential chain. external_id and session_name go with either role;
   * sts_endpoint names a non-AWS STS (e.g. a Ceph RGW's URL).
   */
  'source_role_arn'?: (string);
  'destination_role_arn'?: (string);
  'external_id'?: (string);
  'session_name'?: (string);
  'sts_endpoint'?: (string);
  /**
   * false: virtual-hosted-style requests (bucket in the host name) to destination_endpoint; unset: virtual-hosted for
   * *.amazonaws.com, path-style elsewhere. A bucket name that is not DNS-safe is always addressed path-style.
   */
  'destination_path_style'?: (boolean);
  /**
   * PEM certificates an https destination_endpoint's certificate is checked against, besides the usual roots (a
   * private CA). destination_insecure_skip_verify accepts any certificate, and the job's events record a warning.
   */
  'destination_ca_bundle'?: (string);
  'destination_insecure_skip_verify'?: (boolean);
  /**
   * Time-of-day rate windows (like rclone's --bwlimit timetable), instead of rate_limit_bytes_per_sec.
   */
  'rate_limit_schedule'?: (_ferry_v1_RateSchedule__Output);
  /**
   * Stop a run as failed once more than this share of the objects tried failed (1-100; off when absent),
   * judged after min_objects_before_threshold objects were tried (default 1000).
   */
  'max_failure_percent'?: (number);
  'min_objects_before_threshold'?: (number);
  /**
   * S3's additional checksum Ferry computes while streaming and sends, for objects whose source has none:
   * "crc32c", "sha256" or "none" (the default). A source's own checksum (x-amz-checksum-*) is always carried
   * to the destination in its algorithm and checked, whatever this says.
   */
  'checksum_algorithm'?: (string);
  /**
   * Check each destination object after its copy: "size", "etag" or "checksum" (x-amz-checksum-*). A check that
   * fails fails the object (VerificationFailed). Absent: no check beyond the copy's own. Also what a verify run compares.
   */
  'verify'?: (string);
  /**
   * Mirror mode: after the copy phase, delete the destination objects inside the job's selection that the
   * source no longer has. max_delete ("500" objects, or "5%" of the destination's objects in the selection)
   * fails the run before anything is deleted when more would be; a source listing that came back empty
   * deletes nothing unless allow_empty_source.
   */
  'delete_extraneous'?: (boolean);
  'max_delete'?: (string);
  'allow_empty_source'?: (boolean);
  /**
   * A completion report written when each run ends: CSV files of per-object outcomes and a manifest.json
   * naming them (as AWS Batch Operations writes), under report.prefix in report.bucket.
   */
  'report'?: (_ferry_v1_ReportSpec__Output);
  /**
   * The objects to copy, read from a manifest instead of listing the source; filters still apply.
   */
  'manifest'?: (_ferry_v1_Manifest__Output);
  /**
   * A manifest row naming an object the source lacks counts failed (NoSuchKey) instead of skipped.
   */
  'manifest_strict'?: (boolean);
  /**
   * "latest" (the default): the current object of each selected key. "all": every version of each selected key,
   * oldest first, and delete markers as delete markers, into a destination bucket with versioning Enabled (a start
   * is refused with FAILED_PRECONDITION, HTTP 409, otherwise). Filters apply to each version.
   */
  'versions'?: (string);
}
