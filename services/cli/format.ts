import type { DeletePhase__Output, DifferencesResponse__Output, JobCheck__Output, Job__Output, KeyRotation__Output, Progress__Output } from '../../libs/api/index.js';
/** Pure text formatting for the CLI's table output. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | undefined): string {
  let value = Number(bytes ?? 0);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSec: number | undefined): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

/** 75 → "1m15s", 3725 → "1h02m05s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(rest).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

/** Left-aligned columns separated by two spaces, with a header row. */
export function table(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** A job's progress as an answer carries it: every count possibly absent (zero). */
export type ProgressLike = Progress__Output;

/** Objects with an outcome of any kind: what "done" means for a run's progress. */
export function objectsDone(p: ProgressLike = {}): number {
  const verified = (p.matched_objects ?? 0) + (p.missing_objects ?? 0) + (p.differing_objects ?? 0) + (p.extra_objects ?? 0);
  return (p.completed_objects ?? 0) + (p.skipped_objects ?? 0) + (p.failed_objects ?? 0) + verified;
}

/** A verify run's classes in one line: "matched 97, missing 1, differing 1, extra 1, failed 0". */
export function verifyCounts(p: ProgressLike = {}): string {
  return `matched ${p.matched_objects ?? 0}, missing ${p.missing_objects ?? 0}, differing ${p.differing_objects ?? 0}, extra ${p.extra_objects ?? 0}, failed ${p.failed_objects ?? 0}`;
}

/** What a verify run found: its counts, then each key not matched. */
export function differencesReport(report: DifferencesResponse__Output): string {
  const head = `verify run ${report.run} of ${report.job_id} ${report.status}: ${verifyCounts(report.counts ?? {})}`;
  const differences = report.differences ?? [];
  if (differences.length === 0) return head;
  return `${head}\n\n${table(['DIFFERENCE', 'KEY', 'DETAIL'], differences.map((d) => [d.difference, d.key, d.detail]))}`;
}

export function bytesDone(p: ProgressLike = {}): number {
  return (p.completed_bytes ?? 0) + (p.skipped_bytes ?? 0) + (p.failed_bytes ?? 0);
}

/** "12/40" or "12/40+" while the listing is still growing the total. */
export function objectsColumn(p: ProgressLike = {}): string {
  return `${objectsDone(p)}/${p.total_objects ?? 0}${p.listing_complete ? '' : '+'}`;
}

export function jobsTable(jobs: Job__Output[]): string {
  return table(
    ['ID', 'STATUS', 'RUN', 'OBJECTS', 'BYTES', 'RATE'],
    jobs.map((j) => [
      j.job_id,
      j.status,
      j.run ?? 0,
      objectsColumn(j.progress),
      `${formatBytes(bytesDone(j.progress))}/${formatBytes(j.progress?.total_bytes)}`,
      formatRate(j.progress?.current_rate_bytes_sec),
    ]),
  );
}

/** GET's answer as "key: value" lines, then its runs as a table. */
export function jobDetail(job: Job__Output): string {
  const p: ProgressLike = job.progress ?? {};
  const lines: Array<[string, unknown]> = [
    ['id', job.job_id],
    ['status', job.status],
    ['run', job.run ?? 0],
    ['source', job.source_bucket + (job.prefix ? `/${job.prefix}` : '')],
    ['destination', (job.destination_endpoint ? `${job.destination_endpoint} ` : '') + job.destination_bucket],
    ['description', job.description],
    ['objects', `${objectsColumn(p)} (${p.matched_objects === undefined ? `completed ${p.completed_objects ?? 0}, skipped ${p.skipped_objects ?? 0}, failed ${p.failed_objects ?? 0}` : verifyCounts(p)})`],
    ['verify', job.verify],
    ['versions', job.versions === 'all' ? `all: ${p.versions_copied ?? 0} versions and ${p.delete_markers_copied ?? 0} delete markers copied` : job.versions],
    ['bytes', `${formatBytes(bytesDone(p))}/${formatBytes(p.total_bytes)}`],
    ['mirror', job.delete_extraneous ? `delete_extraneous${job.max_delete ? `, max_delete ${job.max_delete}` : ''}${job.allow_empty_source ? ', allow_empty_source' : ''}` : undefined],
    ['deleted', job.delete_extraneous ? deletedLine(p, (job.runs ?? []).find((r) => r.run === job.run)?.delete_phase ?? undefined) : undefined],
    ['rate', formatRate(p.current_rate_bytes_sec)],
    ['eta', p.estimated_completion],
    ['schedule', job.schedule ? `${job.schedule.cron} (${job.schedule.timezone ?? 'UTC'})` : undefined],
    ['next run', job.next_run_at],
    ['report', job.report ? `s3://${job.report.bucket}/${job.report.prefix ?? ''} (${job.report.scope ?? 'all'}, written through the ${job.report.endpoint ?? 'destination'} endpoint)` : undefined],
    ['report location', job.report_location],
    ['created', job.created_at],
    ['started', job.started_at],
    ['completed', job.completed_at],
    ['error', job.error],
  ];
  const head = table(['FIELD', 'VALUE'], lines.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]))
    .split('\n')
    .slice(1)
    .join('\n');
  const runs = job.runs ?? [];
  if (runs.length === 0) return head;
  const runTable = table(
    ['RUN', 'KIND', 'STATUS', 'STARTED', 'COMPLETED', 'OBJECTS', 'FAILED', 'DELETED', 'ERROR', ...(job.report ? ['REPORT'] : [])],
    runs.map((r) => [
      r.run,
      r.kind || 'copy',
      r.status,
      r.started_at,
      r.completed_at,
      `${objectsDone(r.counts)}/${r.counts?.total_objects ?? 0}`,
      r.counts?.failed_objects ?? 0,
      r.counts?.deleted_objects ?? 0,
      r.error,
      ...(job.report ? [r.report_location ?? (r.report_error === undefined ? '' : `not written: ${r.report_error}`)] : []),
    ]),
  );
  return `${head}\n\n${runTable}`;
}

/** A dry run's answer: what the job would copy. */
export function dryRunReport(report: Job__Output): string {
  const keys: string[] = report.first_keys ?? [];
  const lines = [
    `dry run of ${report.job_id}: nothing created, nothing copied`,
    `objects: ${report.object_count ?? 0} (${formatBytes(report.total_bytes ?? 0)}), ${report.identical_at_destination ?? 0} already identical at the destination`,
  ];
  if (report.version_count !== undefined && report.version_count !== null) {
    lines.push(`versions: ${report.version_count} versions and ${report.delete_marker_count ?? 0} delete markers (versions: all)`);
  }
  if (report.report_location) lines.push(`completion report of a first run: ${report.report_location}`);
  if (keys.length > 0) lines.push(`first ${keys.length} keys:`, ...keys.map((k) => `  ${k}`));
  const deletion = report.runs?.[0]?.delete_phase;
  if (deletion) {
    const verdict = deletion.status === 'would_delete' ? 'would delete' : deletion.status === 'would_stop' ? 'would stop the run before deleting' : 'would delete nothing';
    lines.push(
      `delete phase (delete_extraneous): ${deletion.candidates ?? 0} extraneous objects (${formatBytes(deletion.candidate_bytes ?? 0)}) of ${deletion.destination_objects ?? 0} destination objects in the selection; ${verdict}`,
    );
    if (deletion.note) lines.push(`  ${deletion.note}`);
    const doomed = deletion.keys ?? [];
    if (doomed.length > 0) lines.push(`first ${doomed.length} extraneous keys:`, ...doomed.map((k) => `  ${k}`));
  }
  return lines.join('\n');
}

/** A mirror run's deletions: how many so far, and where its delete phase stands. */
function deletedLine(p: ProgressLike, phase: DeletePhase__Output | undefined): string {
  const done = `${p.deleted_objects ?? 0} (${formatBytes(p.deleted_bytes ?? 0)})`;
  if (!phase) return `${done}, delete phase not started`;
  return `${done} of ${phase.candidates ?? 0} extraneous, delete phase ${phase.status}${phase.note ? `: ${phase.note}` : ''}`;
}

/** A CheckJob answer: one row per step of each side, then the verdict. */
export function checkReport(report: JobCheck__Output): string {
  const rows = (report.buckets ?? []).flatMap((b) =>
    (b.steps ?? []).map((s) => [b.side, s.name, (s.status ?? '').toUpperCase(), [s.http_status, s.code].filter((v) => v !== undefined).join(' '), s.detail]),
  );
  const sides = (report.buckets ?? []).map((b) => `${b.side}: bucket ${b.bucket} at ${b.endpoint}`).join('\n');
  return `${sides}\n\n${table(['SIDE', 'STEP', 'STATUS', 'CODE', 'DETAIL'], rows)}\n\njob ${report.job_id} ${report.ok ? 'passes' : 'fails'} the check`;
}

/** A RotateKeys answer: the counts, then each data key that was not re-sealed. */
export function keyRotationReport(report: KeyRotation__Output): string {
  const failed = report.failed ?? [];
  const lines = [
    `current master key: ${report.current_key_id} (control holds ${(report.key_ids ?? []).join(', ')})`,
    `re-sealed ${report.resealed ?? 0}, already current ${report.already_current ?? 0}, gone (deleted jobs) ${report.gone ?? 0}, failed ${failed.length}`,
  ];
  if (failed.length > 0) lines.push('', table(['JOB', 'ERROR'], failed.map((f) => [f.job_id, f.error])));
  else lines.push(`every data key is sealed under ${report.current_key_id}: the other master keys may be removed from the configuration`);
  return lines.join('\n');
}
