// Original file: proto/ferry/v1/jobs.proto

import type { Progress as _ferry_v1_Progress, Progress__Output as _ferry_v1_Progress__Output } from '../../ferry/v1/Progress.js';
import type { RunSummary as _ferry_v1_RunSummary, RunSummary__Output as _ferry_v1_RunSummary__Output } from '../../ferry/v1/RunSummary.js';
import type { Schedule as _ferry_v1_Schedule, Schedule__Output as _ferry_v1_Schedule__Output } from '../../ferry/v1/Schedule.js';
import type { BucketRegion as _ferry_v1_BucketRegion, BucketRegion__Output as _ferry_v1_BucketRegion__Output } from '../../ferry/v1/BucketRegion.js';
import type { RateSchedule as _ferry_v1_RateSchedule, RateSchedule__Output as _ferry_v1_RateSchedule__Output } from '../../ferry/v1/RateSchedule.js';
import type { ReportSpec as _ferry_v1_ReportSpec, ReportSpec__Output as _ferry_v1_ReportSpec__Output } from '../../ferry/v1/ReportSpec.js';
import type { Manifest as _ferry_v1_Manifest, Manifest__Output as _ferry_v1_Manifest__Output } from '../../ferry/v1/Manifest.js';
import type { Long } from '@grpc/proto-loader';

/**
 * What GET /admin/batch/jobs/{job_id} returns: the definition (secret masked),
 * state and progress of the current run, and earlier runs.
 */
export interface Job {
  'job_id'?: (string);
  'status'?: (string);
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
  'run'?: (number);
  'progress'?: (_ferry_v1_Progress | null);
  'created_at'?: (string);
  'started_at'?: (string);
  'completed_at'?: (string);
  'paused_at'?: (string);
  'duration_seconds'?: (number | string | Long);
  'error'?: (string);
  'runs'?: (_ferry_v1_RunSummary)[];
  /**
   * Waiting for a max_concurrent_jobs slot (status pending); queue_position is 1-based.
   */
  'queued'?: (boolean);
  'queue_position'?: (number);
  'queued_at'?: (string);
  'schedule'?: (_ferry_v1_Schedule | null);
  /**
   * The next schedule firing (RFC 3339), computed when the job is read; last_fire_time is the latest one recorded.
   */
  'next_run_at'?: (string);
  'last_fire_time'?: (string);
  /**
   * Only in the answer to a create with dry_run: what the job would copy. Nothing else is set then but job_id.
   */
  'dry_run'?: (boolean);
  'object_count'?: (number | string | Long);
  'total_bytes'?: (number | string | Long);
  'first_keys'?: (string)[];
  'identical_at_destination'?: (number | string | Long);
  /**
   * The keys of first_keys a run would skip, being identical at the destination.
   */
  'identical_keys'?: (string)[];
  /**
   * "********" when the job has its own webhook secret.
   */
  'webhook_secret'?: (string);
  /**
   * Which kind of credential each side uses: "static", "default_chain" or "role <arn>" (never a secret).
   */
  'source_credentials'?: (string);
  'destination_credentials'?: (string);
  'source_role_arn'?: (string);
  'destination_role_arn'?: (string);
  'destination_path_style'?: (boolean);
  /**
   * Buckets whose region the server corrected (the job's events record each BucketRegionCorrected).
   */
  'bucket_regions'?: (_ferry_v1_BucketRegion)[];
  'destination_ca_bundle'?: (string);
  'destination_insecure_skip_verify'?: (boolean);
  /**
   * The deployment's source is read without checking its certificate (ferry.source.insecure_skip_verify).
   */
  'source_insecure_skip_verify'?: (boolean);
  'rate_limit_schedule'?: (_ferry_v1_RateSchedule | null);
  'max_failure_percent'?: (number);
  'min_objects_before_threshold'?: (number);
  'checksum_algorithm'?: (string);
  'verify'?: (string);
  'delete_extraneous'?: (boolean);
  'max_delete'?: (string);
  'allow_empty_source'?: (boolean);
  'report'?: (_ferry_v1_ReportSpec | null);
  /**
   * The current run's completion report manifest (s3:// URI), once written; in a dry run's answer, where a
   * first run's report would be written.
   */
  'report_location'?: (string);
  'manifest'?: (_ferry_v1_Manifest | null);
  'manifest_strict'?: (boolean);
  'versions'?: (string);
  /**
   * In a dry run's answer with versions "all": object_count's versions and delete markers apart (first_keys names a
   * key once for each of its versions and markers, oldest first).
   */
  'version_count'?: (number | string | Long);
  'delete_marker_count'?: (number | string | Long);
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
  '_started_at'?: "started_at";
  '_completed_at'?: "completed_at";
  '_paused_at'?: "paused_at";
  '_duration_seconds'?: "duration_seconds";
  '_error'?: "error";
  '_queued_at'?: "queued_at";
  '_schedule'?: "schedule";
  '_next_run_at'?: "next_run_at";
  '_last_fire_time'?: "last_fire_time";
  '_dry_run'?: "dry_run";
  '_object_count'?: "object_count";
  '_total_bytes'?: "total_bytes";
  '_identical_at_destination'?: "identical_at_destination";
  '_webhook_secret'?: "webhook_secret";
  '_source_credentials'?: "source_credentials";
  '_destination_credentials'?: "destination_credentials";
  '_source_role_arn'?: "source_role_arn";
  '_destination_role_arn'?: "destination_role_arn";
  '_destination_path_style'?: "destination_path_style";
  '_destination_ca_bundle'?: "destination_ca_bundle";
  '_destination_insecure_skip_verify'?: "destination_insecure_skip_verify";
  '_source_insecure_skip_verify'?: "source_insecure_skip_verify";
  '_rate_limit_schedule'?: "rate_limit_schedule";
  '_max_failure_percent'?: "max_failure_percent";
  '_min_objects_before_threshold'?: "min_objects_before_threshold";
  '_checksum_algorithm'?: "checksum_algorithm";
  '_verify'?: "verify";
  '_delete_extraneous'?: "delete_extraneous";
  '_max_delete'?: "max_delete";
  '_allow_empty_source'?: "allow_empty_source";
  '_report'?: "report";
  '_report_location'?: "report_location";
  '_manifest'?: "manifest";
  '_manifest_strict'?: "manifest_strict";
  '_versions'?: "versions";
  '_version_count'?: "version_count";
  '_delete_marker_count'?: "delete_marker_count";
}

/**
 * What GET /admin/batch/jobs/{job_id} returns: the definition (secret masked),
 * state and progress of the current run, and earlier runs.
 */
export interface Job__Output {
  'job_id'?: (string);
  'status'?: (string);
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
  'run'?: (number);
  'progress'?: (_ferry_v1_Progress__Output);
  'created_at'?: (string);
  'started_at'?: (string);
  'completed_at'?: (string);
  'paused_at'?: (string);
  'duration_seconds'?: (number);
  'error'?: (string);
  'runs'?: (_ferry_v1_RunSummary__Output)[];
  /**
   * Waiting for a max_concurrent_jobs slot (status pending); queue_position is 1-based.
   */
  'queued'?: (boolean);
  'queue_position'?: (number);
  'queued_at'?: (string);
  'schedule'?: (_ferry_v1_Schedule__Output);
  /**
   * The next schedule firing (RFC 3339), computed when the job is read; last_fire_time is the latest one recorded.
   */
  'next_run_at'?: (string);
  'last_fire_time'?: (string);
  /**
   * Only in the answer to a create with dry_run: what the job would copy. Nothing else is set then but job_id.
   */
  'dry_run'?: (boolean);
  'object_count'?: (number);
  'total_bytes'?: (number);
  'first_keys'?: (string)[];
  'identical_at_destination'?: (number);
  /**
   * The keys of first_keys a run would skip, being identical at the destination.
   */
  'identical_keys'?: (string)[];
  /**
   * "********" when the job has its own webhook secret.
   */
  'webhook_secret'?: (string);
  /**
   * Which kind of credential each side uses: "static", "default_chain" or "role <arn>" (never a secret).
   */
  'source_credentials'?: (string);
  'destination_credentials'?: (string);
  'source_role_arn'?: (string);
  'destination_role_arn'?: (string);
  'destination_path_style'?: (boolean);
  /**
   * Buckets whose region the server corrected (the job's events record each BucketRegionCorrected).
   */
  'bucket_regions'?: (_ferry_v1_BucketRegion__Output)[];
  'destination_ca_bundle'?: (string);
  'destination_insecure_skip_verify'?: (boolean);
  /**
   * The deployment's source is read without checking its certificate (ferry.source.insecure_skip_verify).
   */
  'source_insecure_skip_verify'?: (boolean);
  'rate_limit_schedule'?: (_ferry_v1_RateSchedule__Output);
  'max_failure_percent'?: (number);
  'min_objects_before_threshold'?: (number);
  'checksum_algorithm'?: (string);
  'verify'?: (string);
  'delete_extraneous'?: (boolean);
  'max_delete'?: (string);
  'allow_empty_source'?: (boolean);
  'report'?: (_ferry_v1_ReportSpec__Output);
  /**
   * The current run's completion report manifest (s3:// URI), once written; in a dry run's answer, where a
   * first run's report would be written.
   */
  'report_location'?: (string);
  'manifest'?: (_ferry_v1_Manifest__Output);
  'manifest_strict'?: (boolean);
  'versions'?: (string);
  /**
   * In a dry run's answer with versions "all": object_count's versions and delete markers apart (first_keys names a
   * key once for each of its versions and markers, oldest first).
   */
  'version_count'?: (number);
  'delete_marker_count'?: (number);
}
