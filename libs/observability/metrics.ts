import { Counter, Gauge, Histogram, register } from 'prom-client';
import type { JobStatus, JobView } from '../domain/index.js';
import { JOB_STATUSES } from '../domain/index.js';

/**
 * Prometheus metrics on prom-client's default registry. Copier metrics are counted
 * where copies happen; job gauges are computed at scrape time from a cache of the
 * read model, so a deleted job's series vanish with its view.
 */

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export interface CopierMetrics {
  /** A failed attempt (retried) or a final failure, by S3 error code. */
  error(jobId: string, errorType: string): void;
  retry(jobId: string, errorType: string): void;
  copyFinished(seconds: number): void;
  /** Undoing what a failed copy left at the destination failed too (by action: see libs/s3 CleanupAction). */
  cleanupFailed(action: string): void;
  /** A multipart copy went on with an earlier attempt's upload, `kept` parts not sent again. */
  multipartResumed(kept: number): void;
  /** A recorded multipart upload was aborted: its run ended, it went stale, or it could not be resumed. */
  uploadAborted(reason: UploadAbortReason): void;
  /** Removes every series labelled with the job (it was deleted). */
  forgetJob(jobId: string): Promise<void>;
}

/** Why a recorded upload was aborted: its run ended, nobody wrote it for stale_upload_age, it could not be resumed, or its copy failed for good. */
export type UploadAbortReason = 'run_ended' | 'stale' | 'not_resumable' | 'failed';

/** Removes every series of `counter` whose job_id label is `jobId`, whatever its other labels. */
async function removeJobSeries(counter: Counter<'job_id' | 'error_type'>, jobId: string): Promise<void> {
  for (const { labels } of (await counter.get()).values) {
    if (labels.job_id === jobId) counter.remove(labels as { job_id: string; error_type: string });
  }
}

export function copierMetrics(inFlight: () => number): CopierMetrics {
  const errors = once(
    'nebulaio_batch_job_errors_total',
    () => new Counter({ name: 'nebulaio_batch_job_errors_total', help: 'Failed copy attempts and final failures, by S3 error code', labelNames: ['job_id', 'error_type'] }),
  );
  const retries = once(
    'ferry_copy_retries_total',
    () => new Counter({ name: 'ferry_copy_retries_total', help: 'Copies retried after a transient failure', labelNames: ['job_id', 'error_type'] }),
  );
  const duration = once(
    'ferry_copy_duration_seconds',
    () => new Histogram({ name: 'ferry_copy_duration_seconds', help: 'Duration of one object copy', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] }),
  );
  const cleanupFailures = once(
    'ferry_copy_cleanup_failures_total',
    () =>
      new Counter({
        name: 'ferry_copy_cleanup_failures_total',
        help: 'Multipart uploads not aborted and unverified objects not deleted after a failed copy',
        labelNames: ['action'],
      }),
  );
  const resumed = once('ferry_multipart_resumed_total', () => new Counter({ name: 'ferry_multipart_resumed_total', help: 'Multipart copies that went on with an upload an earlier attempt left' }));
  const partsKept = once(
    'ferry_multipart_parts_kept_total',
    () => new Counter({ name: 'ferry_multipart_parts_kept_total', help: 'Parts resumed multipart copies found at the destination and did not send again' }),
  );
  const aborted = once(
    'ferry_multipart_uploads_aborted_total',
    () =>
      new Counter({
        name: 'ferry_multipart_uploads_aborted_total',
        help: 'Recorded multipart uploads aborted: their run ended, they went stale, they could not be resumed, or their copy failed for good',
        labelNames: ['reason'],
      }),
  );
  register.removeSingleMetric('ferry_copies_in_flight');
  new Gauge({
    name: 'ferry_copies_in_flight',
    help: 'Copies in flight in this copier process',
    collect() {
      this.set(inFlight());
    },
  });
  return {
    error: (jobId, errorType) => errors.inc({ job_id: jobId, error_type: errorType }),
    retry: (jobId, errorType) => retries.inc({ job_id: jobId, error_type: errorType }),
    copyFinished: (seconds) => duration.observe(seconds),
    cleanupFailed: (action) => cleanupFailures.inc({ action }),
    multipartResumed: (kept) => {
      resumed.inc();
      partsKept.inc(kept);
    },
    uploadAborted: (reason) => aborted.inc({ reason }),
    forgetJob: async (jobId) => {
      await removeJobSeries(errors, jobId);
      await removeJobSeries(retries, jobId);
    },
  };
}

/** S3 error code of a final failure outcome, whose error reads "<Code>: <message>". */
export function errorTypeOf(error: string | undefined): string {
  if (!error) return 'Unknown';
  if (error === 'checksum mismatch') return 'ChecksumMismatch';
  const code = /^([A-Za-z0-9]+):/.exec(error)?.[1];
  return code ?? 'Unknown';
}

export interface JobMetricsSource {
  /** Current views by job id. */
  views(): Iterable<JobView>;
  /** num_pending + num_ack_pending of a running run's work consumer; undefined when it has none, or when it could not be read (the source logs why). Never rejects. */
  pending(view: JobView): Promise<number | undefined>;
}

type JobGauge = 'nebulaio_batch_job_objects_total' | 'nebulaio_batch_job_objects_completed' | 'nebulaio_batch_job_bytes_total' | 'nebulaio_batch_job_bytes_completed' | 'nebulaio_batch_replication_rate_bytes' | 'ferry_job_objects_deleted';

const JOB_GAUGES: Array<[JobGauge, string, (v: JobView) => number]> = [
  ['nebulaio_batch_job_objects_total', 'Objects listed for the job\'s current run', (v) => v.progress.total_objects],
  ['nebulaio_batch_job_objects_completed', 'Objects copied in the job\'s current run', (v) => v.progress.completed_objects],
  ['nebulaio_batch_job_bytes_total', 'Bytes listed for the job\'s current run', (v) => v.progress.total_bytes],
  ['nebulaio_batch_job_bytes_completed', 'Bytes copied in the job\'s current run', (v) => v.progress.completed_bytes],
  ['nebulaio_batch_replication_rate_bytes', 'Copy rate over the last 10 s, bytes per second', (v) => v.progress.current_rate_bytes_sec],
  ['ferry_job_objects_deleted', 'Destination objects deleted by the delete phase of the job\'s current run (delete_extraneous)', (v) => v.progress.deleted_objects ?? 0],
];

/** Registers the per-job gauges (replacing earlier ones): values come from `source` at each scrape. */
export function registerJobMetrics(source: JobMetricsSource): void {
  const names = ['nebulaio_batch_jobs_total', 'ferry_work_items_pending', ...JOB_GAUGES.map(([n]) => n)];
  for (const name of names) register.removeSingleMetric(name);
  new Gauge({
    name: 'nebulaio_batch_jobs_total',
    help: 'Jobs by status',
    labelNames: ['status'],
    collect() {
      this.reset();
      const counts = new Map<JobStatus, number>(JOB_STATUSES.map((s) => [s, 0]));
      for (const v of source.views()) counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
      for (const [status, n] of counts) this.set({ status }, n);
    },
  });
  for (const [name, help, value] of JOB_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ['job_id'],
      collect() {
        this.reset();
        for (const v of source.views()) this.set({ job_id: v.job_id }, value(v));
      },
    });
  }
  new Gauge({
    name: 'ferry_work_items_pending',
    help: 'Work items of the running run not yet acknowledged (pending plus in flight)',
    labelNames: ['job_id'],
    async collect() {
      this.reset();
      const running = [...source.views()].filter((v) => v.status === 'running' || v.status === 'paused');
      const values = await Promise.all(running.map((v) => source.pending(v)));
      running.forEach((v, i) => {
        if (values[i] !== undefined) this.set({ job_id: v.job_id }, values[i]!);
      });
    },
  });
}
