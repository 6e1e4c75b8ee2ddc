import type { JsMsg, NatsConnection } from 'nats';
import { FerryError, isActive, retryDelayMs, retryPolicyOf, type JobStatus, type RetryPolicy } from '../../libs/domain/index.js';
import type { JobEventStore, ListTask } from '../../libs/nats/index.js';
import type { S3Endpoint } from '../../libs/s3/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { destinationEndpoint, sourceEndpoint, type SecretSealer } from '../../libs/secrets/index.js';
import type { AddressPolicy } from '../../libs/net/index.js';
import { ReportStorageError, endedRunStatus, writeRunReport } from './completionReport.js';
import { HEARTBEAT_EVERY_MS } from './pagePacer.js';

export interface ReportTaskContext {
  nc: NatsConnection;
  store: JobEventStore;
  log: Logger;
  source: S3Endpoint;
  sealer: SecretSealer;
  destinationPolicy: AddressPolicy;
  retryDefaults: { maxRetries: number; retryDelayMs: number };
  signal: AbortSignal;
}

/**
 * Writes an ended run's completion report and records it (RecordReport: ReportWritten with the manifest's
 * location, or ReportFailed). The task stays leased while the report is written; a lister that dies
 * midway leaves it to be redelivered, and the next one writes the whole report again over the same keys.
 * The report's endpoint failing for good (a missing bucket, access denied, or a transient failure past the
 * job's retries) is recorded as the run's report error; anything else (NATS) hands the task back.
 */
export async function handleReportTask(c: ReportTaskContext, msg: JsMsg, task: ListTask): Promise<void> {
  const logCtx = { job_id: task.job_id, run: task.run };
  const { state } = await c.store.load(task.job_id);
  const definition = state.definition;
  const spec = definition?.report;
  const ended = task.run < state.run || (task.run === state.run && !isActive(state.status));
  if (!state.exists || !definition || !spec || !ended || task.run <= (state.last_reported_run ?? 0)) {
    msg.ack();
    return;
  }
  const events = await c.store.read(task.job_id);
  const runStatus = endedRunStatus(events, task.run);
  if (runStatus === undefined) {
    msg.ack(); // a run cancelled while queued never started: nothing to report
    return;
  }
  const lease = setInterval(() => msg.working(), HEARTBEAT_EVERY_MS);
  const record = async (result: { location?: string; rows?: number; files?: number; error?: string }) =>
    c.store.execute(task.job_id, { type: 'RecordReport', data: { job_id: task.job_id, run: task.run, run_status: runStatus, ...result }, metadata: { now: new Date().toISOString() } });
  try {
    const endpoint = spec.endpoint === 'source' ? await sourceEndpoint(definition, c.source) : await destinationEndpoint(definition, c.source, c.sealer, c.destinationPolicy);
    const report = await writeRunReport(
      {
        nc: c.nc,
        endpoint,
        sourceBucket: definition.source_bucket,
        destinationBucket: definition.destination_bucket,
        signal: c.signal,
        onAbortFailed: (key, err) => c.log.warn({ ...logCtx, key, err: String(err) }, 'report upload not aborted; its parts stay until a lifecycle rule removes them'),
      },
      task.job_id,
      task.run,
      spec,
      events,
    );
    if (report) {
      await record({ location: report.location, rows: report.rows, files: report.files });
      c.log.info({ ...logCtx, location: report.location, rows: report.rows, files: report.files, run_status: runStatus }, 'completion report written');
    }
    msg.ack();
  } catch (err) {
    await settleFailedReport(c, msg, task, err, { runStatus, policy: retryPolicyOf(definition, c.retryDefaults) }, record);
  } finally {
    clearInterval(lease);
  }
}

async function settleFailedReport(
  c: ReportTaskContext,
  msg: JsMsg,
  task: ListTask,
  err: unknown,
  { runStatus, policy }: { runStatus: JobStatus; policy: RetryPolicy },
  record: (result: { error: string }) => Promise<unknown>,
): Promise<void> {
  const logCtx = { job_id: task.job_id, run: task.run, run_status: runStatus };
  if (err instanceof FerryError && err.code === 'NOT_FOUND') {
    msg.ack(); // the job was deleted meanwhile
    return;
  }
  if (c.signal.aborted) {
    msg.nak(); // shutting down: the next lister writes it
    return;
  }
  const attempt = msg.info.redeliveryCount;
  if (err instanceof ReportStorageError && err.failure.retryable && attempt <= policy.maxRetries) {
    const delay = retryDelayMs(policy, attempt, Math.random());
    c.log.warn({ ...logCtx, attempt, retry_in_ms: Math.round(delay), error: err.message }, 'completion report not written; retrying');
    msg.nak(delay);
    return;
  }
  if (err instanceof ReportStorageError || err instanceof FerryError) {
    const error = `completion report not written: ${err.message}`;
    c.log.warn({ ...logCtx, error }, 'completion report failed; the run keeps its end');
    await record({ error });
    msg.ack();
    return;
  }
  throw err;
}
