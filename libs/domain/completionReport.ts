import type { DeletedObject, ObjectOutcome } from './events.js';
import type { ReportScope, ReportSpec } from './reportSpec.js';

/** The manifest's `Format`, as AWS Batch Operations names its CSV completion reports. */
export const REPORT_FORMAT = 'Report_CSV_20180820';
/** The columns of every row, in order (the manifest's `ReportSchema`). */
export const REPORT_SCHEMA = 'Bucket, Key, VersionId, TaskStatus, HTTPStatusCode, ErrorCode, ResultMessage';
/** A result message longer than this is cut, so one row stays far below a part. */
const MAX_MESSAGE = 2048;

/** Which files a row goes to: the manifest lists succeeded (copied or skipped) and failed files apart, as AWS does. */
export type TaskExecutionStatus = 'succeeded' | 'failed';

/**
 * Where one run's report lies: `<prefix>/job-<job>/run-<run>/manifest.json` and its CSV files under
 * `results/` (`succeeded-00001.csv`, `failed-00001.csv`, ...). The keys are fixed per run, so a writer
 * that starts again overwrites what an interrupted one left.
 */
export function reportLayout(spec: ReportSpec, jobId: string, run: number): { root: string; manifestKey: string; fileKey: (status: TaskExecutionStatus, index: number) => string } {
  const prefix = spec.prefix === undefined ? '' : spec.prefix.endsWith('/') ? spec.prefix : `${spec.prefix}/`;
  const root = `${prefix}job-${jobId}/run-${run}/`;
  return {
    root,
    manifestKey: `${root}manifest.json`,
    fileKey: (status, index) => `${root}results/${status}-${String(index).padStart(5, '0')}.csv`,
  };
}

export const reportLocation = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

/** One field as RFC 4180 writes it: quoted when it holds a comma, a quote, CR or LF, quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated (RFC 4180). */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * The key as S3 Inventory and Batch Operations manifests carry it: URL-encoded. encodeURIComponent
 * (RFC 3986: a space is %20, '+' is %2B, '/' is %2F) so both a URI decoder and a form decoder read it back.
 */
export const encodeReportKey = (key: string): string => encodeURIComponent(key);

/** What the run did with one object, as a report row's status, HTTP status, error code and message. */
export function rowFields(outcome: ObjectOutcome): { status: string; httpStatus: string; errorCode: string; message: string } {
  const message = (outcome.error ?? '').slice(0, MAX_MESSAGE);
  const httpStatus = outcome.http_status === undefined ? (outcome.result === 'failed' ? '' : '200') : String(outcome.http_status);
  const errorCode = outcome.error_code ?? '';
  return { status: outcome.result, httpStatus, errorCode, message: outcome.result === 'skipped' && message === '' ? 'identical at the destination' : message };
}

/** One report row: Bucket, Key, VersionId (the source version's, in a `versions: all` run; else empty), TaskStatus, HTTPStatusCode, ErrorCode, ResultMessage. */
export function reportRow(bucket: string, outcome: ObjectOutcome, versionId = outcome.version_id ?? ''): string {
  const f = rowFields(outcome);
  return csvRecord([bucket, encodeReportKey(outcome.key), versionId, f.status, f.httpStatus, f.errorCode, f.message]);
}

/** A row for a destination object a mirror run's delete phase removed (ObjectsDeleted): status `deleted`, in the destination bucket. */
export function deletionRow(destinationBucket: string, object: DeletedObject): string {
  return csvRecord([destinationBucket, encodeReportKey(object.key), '', 'deleted', '204', '', 'not at the source: deleted by delete_extraneous']);
}

export const taskExecutionStatus = (outcome: Pick<ObjectOutcome, 'result'>): TaskExecutionStatus => (outcome.result === 'failed' ? 'failed' : 'succeeded');

/** One CSV file of the report as the manifest lists it. */
export interface ReportFile {
  TaskExecutionStatus: TaskExecutionStatus;
  Bucket: string;
  Key: string;
  MD5Checksum: string;
  Size: number;
  Rows: number;
}

export interface ReportManifest {
  Format: typeof REPORT_FORMAT;
  ReportCreationDate: string;
  Results: ReportFile[];
  ReportSchema: typeof REPORT_SCHEMA;
  /** Ferry's own additions: which run of which job, how it ended, and what the rows cover. */
  JobId: string;
  Run: number;
  RunStatus: string;
  Scope: ReportScope;
  Rows: number;
}

export function reportManifest(m: { jobId: string; run: number; runStatus: string; scope: ReportScope; files: ReportFile[]; at: string }): ReportManifest {
  return {
    Format: REPORT_FORMAT,
    ReportCreationDate: m.at,
    Results: m.files,
    ReportSchema: REPORT_SCHEMA,
    JobId: m.jobId,
    Run: m.run,
    RunStatus: m.runStatus,
    Scope: m.scope,
    Rows: m.files.reduce((n, f) => n + f.Rows, 0),
  };
}

/** True when the report's scope puts this outcome in the report. */
export const inReportScope = (scope: ReportScope, outcome: Pick<ObjectOutcome, 'result'>): boolean => scope === 'all' || outcome.result === 'failed';
