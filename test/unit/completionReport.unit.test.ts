import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  REPORT_FORMAT,
  REPORT_SCHEMA,
  csvField,
  decide,
  evolve,
  foldJob,
  project,
  reportLayout,
  reportManifest,
  reportPending,
  reportRow,
  validateJobDefinition,
  validateReport,
  type JobEvent,
  type JobProjection,
  type ObjectOutcome,
} from '../../libs/domain/index.js';
import { deferredToReport, notificationState, reportPayload } from '../../libs/webhooks/index.js';
import { parseCsv } from '../harness/reportFiles.js';
import { given } from '../harness/deciderSpec.js';

const outcome = (o: Partial<ObjectOutcome> & Pick<ObjectOutcome, 'key' | 'result'>): ObjectOutcome => ({ ordinal: 0, size: 1, attempts: 1, duration_ms: 1, ...o });
const AT = '2026-01-02T03:04:05.000Z';
const definition = { job_id: 'j', source_bucket: 'src', destination_bucket: 'dst', report: { bucket: 'reports', scope: 'all' as const, endpoint: 'destination' as const } };
const created: JobEvent = { type: 'JobCreated', data: { job_id: 'j', definition, at: AT } };
const started = (run: number): JobEvent => ({ type: 'RunStarted', data: { job_id: 'j', run, at: AT } });
const counts = { total_objects: 1, total_bytes: 1, completed_objects: 1, completed_bytes: 1, skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0 };
const completed = (run: number): JobEvent => ({ type: 'RunCompleted', data: { job_id: 'j', run, counts, at: AT } });
const meta = { now: AT };

describe('completion report: rows', () => {
  it('quotes per RFC 4180 only the fields that need it, doubling quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
  });

  it('writes Bucket, Key (URL-encoded), VersionId, TaskStatus, HTTPStatusCode, ErrorCode, ResultMessage, CRLF-ended', () => {
    assert.equal(reportRow('src', outcome({ key: 'dir/a b+c,"é".txt', result: 'copied' })), 'src,dir%2Fa%20b%2Bc%2C%22%C3%A9%22.txt,,copied,200,,\r\n');
    const failed = reportRow('src', outcome({ key: 'k', result: 'failed', error: 'AccessDenied: Access "Denied", really', error_code: 'AccessDenied', http_status: 403 }));
    assert.equal(failed, 'src,k,,failed,403,AccessDenied,"AccessDenied: Access ""Denied"", really"\r\n');
    assert.equal(reportRow('src', outcome({ key: 'k', result: 'failed', error: 'checksum mismatch', error_code: 'ChecksumMismatch' })), 'src,k,,failed,,ChecksumMismatch,checksum mismatch\r\n');
    assert.equal(reportRow('src', outcome({ key: 'k', result: 'skipped' })), 'src,k,,skipped,200,,identical at the destination\r\n');
  });

  it('reads back, through an RFC 4180 parser and a URL decoder, the keys it wrote', () => {
    const keys = ['a', 'with space', 'comma,quote"', 'new\nline', 'plus+percent%', 'ünïcødé/日本', "ok!'()*"];
    const text = keys.map((key) => reportRow('src', outcome({ key, result: 'failed', error: `e,"${key}"\r\n` }))).join('');
    const records = parseCsv(text);
    assert.deepEqual(records.map((r) => decodeURIComponent(r[1]!)), keys);
    assert.deepEqual(records.map((r) => r[6]), keys.map((k) => `e,"${k}"\r\n`));
    assert.ok(records.every((r) => r.length === 7));
  });

  it('lays out a run under <prefix>/job-<job>/run-<run>/, with or without a trailing slash', () => {
    assert.equal(reportLayout({ bucket: 'b', prefix: 'reports' }, 'j', 3).manifestKey, 'reports/job-j/run-3/manifest.json');
    assert.equal(reportLayout({ bucket: 'b', prefix: 'reports/' }, 'j', 3).fileKey('failed', 2), 'reports/job-j/run-3/results/failed-00002.csv');
    assert.equal(reportLayout({ bucket: 'b' }, 'j', 1).manifestKey, 'job-j/run-1/manifest.json');
  });

  it('builds a manifest shaped like AWS Batch Operations', () => {
    const file = { TaskExecutionStatus: 'failed' as const, Bucket: 'b', Key: 'k.csv', MD5Checksum: 'ab', Size: 10, Rows: 2 };
    const m = reportManifest({ jobId: 'j', run: 1, runStatus: 'failed', scope: 'all', files: [file, { ...file, Rows: 3 }], at: AT });
    assert.equal(m.Format, REPORT_FORMAT);
    assert.equal(m.ReportCreationDate, AT);
    assert.equal(m.ReportSchema, REPORT_SCHEMA);
    assert.equal(m.Rows, 5);
    assert.deepEqual(Object.keys(m.Results[0]!), ['TaskExecutionStatus', 'Bucket', 'Key', 'MD5Checksum', 'Size', 'Rows']);
  });
});

describe('completion report: the job option', () => {
  it('defaults scope to all and endpoint to destination', () => {
    assert.deepEqual(validateReport({ bucket: 'reports' }), { bucket: 'reports', scope: 'all', endpoint: 'destination' });
    assert.deepEqual(validateJobDefinition({ job_id: 'j', source_bucket: 'src', destination_bucket: 'dst', report: { bucket: 'reports', prefix: 'p', scope: 'failed', endpoint: 'source' } }).report, {
      bucket: 'reports',
      prefix: 'p',
      scope: 'failed',
      endpoint: 'source',
    });
  });

  it('refuses a bad field, naming it', () => {
    const field = (report: unknown) => {
      try {
        validateReport(report);
        return undefined;
      } catch (err) {
        return (err as { details?: Array<{ field: string }> }).details?.[0]?.field ?? (err as Error).message;
      }
    };
    assert.equal(field({}), 'report.bucket');
    assert.equal(field({ bucket: 'Not_A_Bucket' }), 'report.bucket');
    assert.equal(field({ bucket: 'reports', scope: 'some' }), 'report.scope');
    assert.equal(field({ bucket: 'reports', endpoint: 'elsewhere' }), 'report.endpoint');
    assert.equal(field({ bucket: 'reports', format: 'csv' }), 'report.format');
    assert.equal(field('reports'), 'report');
  });
});

describe('completion report: recorded once per ended run', () => {
  const record = (run: number, extra: { location?: string; error?: string } = { location: 's3://reports/m.json' }) =>
    ({ type: 'RecordReport', data: { job_id: 'j', run, run_status: 'completed', rows: 1, files: 1, ...extra }, metadata: meta }) as const;

  it('records a written report, or why it was not written', () => {
    given('j', [created, started(1), completed(1)])
      .when(record(1))
      .then([{ type: 'ReportWritten', data: { job_id: 'j', run: 1, run_status: 'completed', location: 's3://reports/m.json', rows: 1, files: 1, at: AT } }]);
    given('j', [created, started(1), completed(1)])
      .when(record(1, { error: 'NoSuchBucket' }))
      .then([{ type: 'ReportFailed', data: { job_id: 'j', run: 1, run_status: 'completed', error: 'NoSuchBucket', at: AT } }]);
  });

  it('decides to nothing for a run still active, not yet started, or already reported', () => {
    given('j', [created, started(1)]).when(record(1)).then([]);
    given('j', [created, started(1), completed(1)]).when(record(2)).then([]);
    const written: JobEvent = { type: 'ReportWritten', data: { job_id: 'j', run: 1, run_status: 'completed', location: 's3://x/y', rows: 1, files: 1, at: AT } };
    given('j', [created, started(1), completed(1), written]).when(record(1)).then([]);
    // run 1 ended and a new run began before run 1's report was written: still recorded
    given('j', [created, started(1), completed(1), started(2)]).when(record(1)).then(decide(record(1), foldJob('j', [created, started(1), completed(1)])));
  });

  it('keeps the run pending (its outcomes uncompacted) until a report or its failure is recorded', () => {
    let p: JobProjection | undefined;
    let seq = 0;
    for (const e of [created, started(1), completed(1)]) p = project(p, e, ++seq);
    assert.equal(reportPending(p!.view, p!.view.runs[0]!), true);
    p = project(p, { type: 'ReportWritten', data: { job_id: 'j', run: 1, run_status: 'completed', location: 's3://reports/m.json', rows: 1, files: 1, at: AT } }, ++seq);
    assert.equal(p!.view.runs[0]!.report_location, 's3://reports/m.json');
    assert.equal(p!.view.report_location, 's3://reports/m.json');
    assert.equal(reportPending(p!.view, p!.view.runs[0]!), false);
    p = project(p, started(2), ++seq);
    assert.equal(p!.view.report_location, undefined, 'a new run has no report yet');
    p = project(p, completed(2), ++seq);
    p = project(p, { type: 'ReportFailed', data: { job_id: 'j', run: 2, run_status: 'completed', error: 'AccessDenied', at: AT } }, ++seq);
    assert.equal(p!.view.runs[1]!.report_error, 'AccessDenied');
    assert.equal(reportPending(p!.view, p!.view.runs[1]!), false);
    assert.equal(evolve(foldJob('j', [created, started(1), completed(1)]), { type: 'ReportFailed', data: { job_id: 'j', run: 1, run_status: 'completed', error: 'x', at: AT } }).last_reported_run, 1);
  });
});

describe('completion report: the completed / failed webhook', () => {
  it('waits for the report on a job that has one, and then carries its location', () => {
    assert.equal(deferredToReport(completed(1), true), true);
    assert.equal(deferredToReport(completed(1), false), false);
    const written = { type: 'ReportWritten', data: { job_id: 'j', run: 1, run_status: 'completed', location: 's3://reports/m.json', rows: 1, files: 1, at: AT } } as const;
    assert.equal(notificationState(written), 'completed');
    const payload = reportPayload(written, completed(1), undefined);
    assert.equal(payload?.event, 'completed');
    assert.equal(payload?.report_location, 's3://reports/m.json');
    assert.deepEqual(payload?.progress.completed_objects, 1);
    assert.equal(notificationState({ type: 'ReportFailed', data: { job_id: 'j', run: 1, run_status: 'cancelled', error: 'x', at: AT } }), undefined, 'a cancelled run was notified when cancelled');
  });
});
