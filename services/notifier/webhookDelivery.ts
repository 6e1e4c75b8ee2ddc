import { FerryError, runSpan, type JobEvent, type JobStatus, type StoredJobDefinition } from '../../libs/domain/index.js';
import type { Logger } from '../../libs/log/logger.js';
import type { SecretSealer } from '../../libs/secrets/index.js';
import type { JobEventStore, ReadModel } from '../../libs/nats/index.js';
import { DEFAULT_NOTIFY_ON, buildPayload, deferredToReport, reportPayload, postWebhook, retryDelayMs, webhookHeaders, webhookId, type NotificationLog, type NotificationRecord, type WebhookPayload } from '../../libs/webhooks/index.js';

const MAX_BACKOFF_MS = 10 * 60_000;
const PROCESSING_RETRY_MS = 1000;

/** How webhooks are signed, timed and retried, and where they may go. */
export interface DeliverySettings {
  secret: string;
  timeoutMs: number;
  retryDelayMs: number;
  maxRetryDurationMs: number;
  allowPrivateNetworks: boolean;
  /** Opens a job's own webhook secret (`webhook_secret`), which signs that job's deliveries instead of `secret`. */
  sealer: SecretSealer;
}

export interface DeliveryContext {
  store: JobEventStore;
  readModel: ReadModel;
  records: NotificationLog;
  log: Logger;
  options: DeliverySettings;
  /** Aborted when the notifier stops: a delivery under way gives up, its message unacked for redelivery. */
  signal: AbortSignal;
  /** Waits, or less if the notifier stops meanwhile. */
  sleep(ms: number): Promise<void>;
  /** The event at `seq` is done with (delivered, failed for good, or not to be notified): its message is acked. */
  finish(seq: number): void;
}

/**
 * Delivers the webhook of one lifecycle event to its job's URL, signed, retried with backoff until
 * max_retry_duration, each attempt recorded in the notification log. A record already final is not
 * sent again (a redelivered message), so a notification goes out at least once and is recorded once.
 */
export class WebhookDelivery {
  constructor(private readonly c: DeliveryContext) {}

  /** Unexpected errors (NATS unavailable) are retried in place, so the job's queue keeps its order. */
  async deliverPatiently(seq: number, event: JobEvent, state: JobStatus): Promise<void> {
    while (!this.c.signal.aborted) {
      try {
        return await this.deliver(seq, event, state);
      } catch (err) {
        this.c.log.warn({ job_id: event.data.job_id, run: runOf(event), seq, err: String(err) }, 'notification processing error, retrying');
        await this.c.sleep(PROCESSING_RETRY_MS);
      }
    }
  }

  private async deliver(seq: number, event: JobEvent, state: JobStatus): Promise<void> {
    const { store, readModel, records, log, options, signal, finish } = this.c;
    const jobId = event.data.job_id;
    const existing = await records.get(jobId, seq);
    if (existing && existing.status !== 'pending') return finish(seq);
    const definition = (await store.load(jobId)).state.definition;
    const url = definition?.notification_webhook;
    if (!url || !(definition.notify_on ?? DEFAULT_NOTIFY_ON).includes(state)) return finish(seq);
    if (deferredToReport(event, definition.report !== undefined)) return finish(seq);
    const at = 'at' in event.data ? Date.parse(event.data.at) : Date.now();
    const deadline = at + options.maxRetryDurationMs;
    if (!existing && Date.now() > deadline) {
      log.info({ job_id: jobId, run: runOf(event), seq, event: state }, 'notification skipped: older than max_retry_duration');
      return finish(seq);
    }
    const id = webhookId(jobId, seq);
    const now = new Date().toISOString();
    const record: NotificationRecord = existing ?? { webhook_id: id, job_id: jobId, run: 0, event: state, url, seq, status: 'pending', attempts: 0, first_attempt_at: now, last_attempt_at: now, body: '' };
    if (!record.body) {
      const payload = event.type === 'ReportWritten' || event.type === 'ReportFailed' ? await this.reportPayload(event) : buildPayload(event, await readModel.get(jobId));
      if (!payload) return finish(seq);
      record.run = payload.run;
      record.body = JSON.stringify(payload);
    }
    const secret = await this.signingSecret(jobId, definition);
    if (secret === undefined) {
      record.status = 'failed';
      record.last_error = "the job's webhook secret was destroyed (the job was deleted)";
      await records.put(record);
      log.warn({ job_id: jobId, run: record.run, event: state, webhook_id: id, error: record.last_error }, 'notification failed');
      return finish(seq);
    }
    log.info({ job_id: jobId, run: record.run, event: state, webhook_id: id, attempts: record.attempts }, 'notification delivering');
    while (!signal.aborted) {
      const body = record.body!;
      const headers = webhookHeaders(secret, id, Math.floor(Date.now() / 1000), body);
      const result = await postWebhook(url, { ...headers }, body, { timeoutMs: options.timeoutMs, allowPrivateNetworks: options.allowPrivateNetworks });
      if (signal.aborted) return;
      record.attempts += 1;
      record.last_attempt_at = new Date().toISOString();
      delete record.next_attempt_at;
      if (result.statusCode !== undefined) record.last_status_code = result.statusCode;
      const fields = { job_id: jobId, run: record.run, event: state, webhook_id: id, attempts: record.attempts, status_code: result.statusCode };
      if (result.outcome === 'delivered') {
        record.status = 'delivered';
        await records.put(record);
        log.info(fields, 'notification delivered');
        return finish(seq);
      }
      record.last_error = result.error;
      const delay = retryDelayMs(record.attempts, options.retryDelayMs, MAX_BACKOFF_MS);
      if (!result.retryable || Date.now() + delay > deadline) {
        record.status = 'failed';
        await records.put(record);
        log.warn({ ...fields, error: result.error }, 'notification failed');
        return finish(seq);
      }
      record.next_attempt_at = new Date(Date.now() + delay).toISOString();
      await records.put(record);
      log.info({ ...fields, error: result.error, retry_in_ms: delay }, 'notification attempt failed, will retry');
      await this.c.sleep(delay);
    }
  }

  /** The webhook of a run's end, sent with its report: built from the event that ended the run. */
  private async reportPayload(event: Extract<JobEvent, { type: 'ReportWritten' | 'ReportFailed' }>): Promise<WebhookPayload | undefined> {
    const jobId = event.data.job_id;
    const events = await this.c.store.read(jobId);
    const span = runSpan(events, event.data.run);
    const ending = events.find((e) => e.seq === span?.endSeq)?.event;
    return ending ? reportPayload(event, ending, await this.c.readModel.get(jobId)) : undefined;
  }

  /** The job's own secret when it has one, else the deployment's; undefined once the job's data key is destroyed. */
  private async signingSecret(jobId: string, definition: StoredJobDefinition): Promise<string | undefined> {
    if (!definition.webhook_secret_sealed) return this.c.options.secret;
    try {
      return await this.c.options.sealer.open(jobId, definition.webhook_secret_sealed);
    } catch (err) {
      if (err instanceof FerryError && err.code === 'FAILED_PRECONDITION') return undefined;
      throw err;
    }
  }
}

/** The run an event belongs to; JobCreated and JobDeleted have none. */
function runOf(event: JobEvent): number | undefined {
  return 'run' in event.data ? event.data.run : undefined;
}
