import type { NatsConnection } from 'nats';
import {
  OrdinalSet,
  inReportScope,
  reportLayout,
  reportLocation,
  reportManifest,
  reportRow,
  deletionRow,
  runSpan,
  taskExecutionStatus,
  type JobEvent,
  type JobStatus,
  type ReportFile,
  type ReportSpec,
  type TaskExecutionStatus,
} from '../../libs/domain/index.js';
import { forEachOutcomeBatch, type StoredJobEvent } from '../../libs/nats/index.js';
import { ObjectWriter, S3Error, classifyS3Error, putSmallObject, type S3Endpoint } from '../../libs/s3/index.js';

/** A report file is closed and the next begun past this size (S3 Inventory splits its CSV files too). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024;
/** Outcome batches read ahead while the report is written: a few MB at most. */
const BATCHES_READ_AHEAD = 64;

/** The report's endpoint refused or failed a write: recorded as the run's report error (or retried, when transient). */
export class ReportStorageError extends Error {
  constructor(readonly failure: S3Error) {
    super(failure.status > 0 ? `HTTP ${failure.status} ${failure.code}: ${failure.message}` : `${failure.code}: ${failure.message}`, { cause: failure });
  }
}

export interface RunReport {
  location: string;
  rows: number;
  files: number;
  runStatus: JobStatus;
}

export interface ReportWriteOptions {
  nc: NatsConnection;
  endpoint: S3Endpoint;
  /** Bucket of the rows' objects (the job's source bucket). */
  sourceBucket: string;
  /** Bucket a mirror run deleted from (the job's destination bucket), for the rows of its deletions. */
  destinationBucket: string;
  partSize?: number;
  maxFileBytes?: number;
  signal?: AbortSignal;
  now?: () => string;
  /** Told of an upload abort that failed after a failed write (its parts stay until a lifecycle rule removes them). */
  onAbortFailed?: (key: string, err: unknown) => void;
}

/** How an ended run ended, from the event at its span's end; undefined while the run has not ended. */
export function endedRunStatus(events: StoredJobEvent[], run: number): JobStatus | undefined {
  const span = runSpan(events, run);
  if (!span || span.endSeq === undefined) return undefined;
  const ending: JobEvent | undefined = events.find((e) => e.seq === span.endSeq)?.event;
  if (ending?.type === 'RunCompleted') return 'completed';
  if (ending?.type === 'JobCancelled') return 'cancelled';
  return 'failed';
}

/**
 * Writes the completion report of one ended run from its outcome batches (the first outcome of each
 * ordinal, as the projector counts): CSV files, then manifest.json, which is written last so that it
 * exists only once every file it names does. The keys are fixed per run, so a writer that starts again
 * after a crash overwrites what it left. undefined when the run has not ended.
 */
export async function writeRunReport(o: ReportWriteOptions, jobId: string, run: number, spec: ReportSpec, events: StoredJobEvent[]): Promise<RunReport | undefined> {
  const span = runSpan(events, run);
  const runStatus = endedRunStatus(events, run);
  if (!span || span.endSeq === undefined || runStatus === undefined) return undefined;
  const layout = reportLayout(spec, jobId, run);
  const scope = spec.scope ?? 'all';
  const files = new ReportFiles(o, spec.bucket, layout.fileKey);
  const seen = new OrdinalSet();
  try {
    await forEachOutcomeBatch(
      o.nc,
      jobId,
      span.fromSeq,
      span.endSeq,
      async (_seq, batch) => {
        if (batch.data.run !== run) return;
        for (const outcome of batch.data.outcomes) {
          if (!seen.add(outcome.ordinal) || !inReportScope(scope, outcome)) continue;
          await files.add(taskExecutionStatus(outcome), reportRow(o.sourceBucket, outcome));
        }
      },
      BATCHES_READ_AHEAD,
    );
    // A mirror run's deletions are on the job's own subject (ObjectsDeleted), not in the outcome batches.
    if (scope === 'all') {
      for (const { event } of events) {
        if (event.type !== 'ObjectsDeleted' || event.data.run !== run) continue;
        for (const object of event.data.objects) await files.add('succeeded', deletionRow(o.destinationBucket, object));
      }
    }
    const written = await files.close();
    const manifest = reportManifest({ jobId, run, runStatus, scope, files: written, at: (o.now ?? (() => new Date().toISOString()))() });
    await storage(() => putSmallObject(o.endpoint, spec.bucket, layout.manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json', o.signal));
    return { location: reportLocation(spec.bucket, layout.manifestKey), rows: manifest.Rows, files: written.length, runStatus };
  } catch (err) {
    await files.abort();
    throw err;
  }
}

/** S3's errors as ReportStorageError, so the caller tells the report's endpoint failing from NATS failing. */
async function storage<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw new ReportStorageError(classifyS3Error(err));
  }
}

/** The CSV files being written: one open file per TaskExecutionStatus, the next begun past maxFileBytes. */
class ReportFiles {
  private readonly open = new Map<TaskExecutionStatus, { writer: ObjectWriter; rows: number }>();
  private readonly counts = new Map<TaskExecutionStatus, number>();
  private readonly done: ReportFile[] = [];

  constructor(
    private readonly o: ReportWriteOptions,
    private readonly bucket: string,
    private readonly fileKey: (status: TaskExecutionStatus, index: number) => string,
  ) {}

  async add(status: TaskExecutionStatus, row: string): Promise<void> {
    let file = this.open.get(status);
    if (file && file.writer.bytes >= (this.o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES)) {
      await this.finish(status, file);
      file = undefined;
    }
    if (!file) {
      const index = (this.counts.get(status) ?? 0) + 1;
      this.counts.set(status, index);
      file = { writer: new ObjectWriter(this.o.endpoint, this.bucket, this.fileKey(status, index), { partSize: this.o.partSize, contentType: 'text/csv', signal: this.o.signal }), rows: 0 };
      this.open.set(status, file);
    }
    const writer = file.writer;
    await storage(() => writer.write(row));
    file.rows++;
  }

  /** Completes every open file; the files in the manifest's order: succeeded first, then failed, each by index. */
  async close(): Promise<ReportFile[]> {
    for (const [status, file] of [...this.open]) await this.finish(status, file);
    const order = (f: ReportFile) => (f.TaskExecutionStatus === 'succeeded' ? 0 : 1);
    return [...this.done].sort((a, b) => order(a) - order(b) || a.Key.localeCompare(b.Key));
  }

  async abort(): Promise<void> {
    for (const { writer } of this.open.values()) {
      await writer.abort().catch((err: unknown) => this.o.onAbortFailed?.(writer.key, err));
    }
    this.open.clear();
  }

  private async finish(status: TaskExecutionStatus, file: { writer: ObjectWriter; rows: number }): Promise<void> {
    const { size, md5 } = await storage(() => file.writer.close());
    this.open.delete(status);
    this.done.push({ TaskExecutionStatus: status, Bucket: this.bucket, Key: file.writer.key, MD5Checksum: md5, Size: size, Rows: file.rows });
  }
}
