// Original file: proto/ferry/v1/jobs.proto


/**
 * A cron expression (5 fields, or 6 with seconds first) read in an IANA time zone (UTC when absent).
 */
export interface Schedule {
  'cron'?: (string);
  'timezone'?: (string);
  '_timezone'?: "timezone";
}

/**
 * A cron expression (5 fields, or 6 with seconds first) read in an IANA time zone (UTC when absent).
 */
export interface Schedule__Output {
  'cron'?: (string);
  'timezone'?: (string);
}
