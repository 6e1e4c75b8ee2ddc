import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { FerryError, type JobEvent, type JobStatus, type StoredJobDefinition } from '../../libs/domain/index.js';
import type { SecretSealer } from '../../libs/secrets/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { JobEventStore, ReadModel, STREAMS, decodeJson, subjects } from '../../libs/nats/index.js';
import {
  DEFAULT_NOTIFY_ON,
  NotificationLog,
  buildPayload,
  notificationState,
  postWebhook,
  retryDelayMs,
  webhookHeaders,
  webhookId,
  type NotificationRecord,
} from '../../libs/webhooks/index.js';
import { KeyedQueues } from './jobQueues.js';

export const NOTIFIER_CONSUMER = 'notifier';
// A message is held (unacked, heartbeated) while its delivery is retried; if this process dies,
// JetStream redelivers it after ACK_WAIT_MS to the restarted notifier.
const ACK_WAIT_MS = 6000;
const HEARTBEAT_MS = 2000;
const MAX_BACKOFF_MS = 10 * 60_000;

export interface NotifierOptions {
  nc: NatsConnection;
  log: Logger;
  secret: string;
  timeoutMs: number;
  retryDelayMs: number;
  maxRetryDurationMs: number;
  allowPrivateNetworks: boolean;
  /** Opens a job's own webhook secret (`webhook_secret`), which signs that job's deliveries instead of `secret`. */
  sealer: SecretSealer;
  replicas?: number;
}

/**
 * Turns job lifecycle events into signed webhook deliveries, at least once and in
 * order per job. One durable consumer reads `ferry.job.*`; each job has its own
 * in-process queue, so a failing receiver delays only its own job's notifications.
 */
export async function startNotifier(options: NotifierOptions): Promise<{ stop(): Promise<void> }> {
  const { nc, log } = options;
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(STREAMS.events, {
    durable_name: NOTIFIER_CONSUMER,
    filter_subject: subjects.allJobs,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ACK_WAIT_MS),
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 10_000,
    max_deliver: -1,
  });
  const store = await JobEventStore.open(nc);
  const readModel = await ReadModel.open(nc);
  const records = await NotificationLog.open(nc, options.replicas);
  const queues = new KeyedQueues();
  const held = new Map<number, JsMsg>();
  const abort = new AbortController();
  let messages: ConsumerMessages | undefined;

  const heartbeat = setInterval(() => {
    for (const msg of held.values()) msg.working();
  }, HEARTBEAT_MS);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  const finish = (seq: number) => {
    held.get(seq)?.ack();
    held.delete(seq);
  };

  async function deliver(seq: number, event: JobEvent, state: JobStatus): Promise<void> {
    const jobId = event.data.job_id;
    const existing = await records.get(jobId, seq);
    if (existing && existing.status !== 'pending') return finish(seq);
    const definition = (await store.load(jobId)).state.definition;
    const url = definition?.notification_webhook;
    if (!url || !(definition.notify_on ?? DEFAULT_NOTIFY_ON).includes(state)) return finish(seq);
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
      const payload = buildPayload(event, await readModel.get(jobId));
      if (!payload) return finish(seq);
      record.run = payload.run;
      record.body = JSON.stringify(payload);
    }
    const secret = await signingSecret(jobId, definition);
    if (secret === undefined) {
      record.status = 'failed';
      record.last_error = "the job's webhook secret was destroyed (the job was deleted)";
      await records.put(record);
      log.warn({ job_id: jobId, run: record.run, event: state, webhook_id: id, error: record.last_error }, 'notification failed');
      return finish(seq);
    }
    log.info({ job_id: jobId, run: record.run, event: state, webhook_id: id, attempts: record.attempts }, 'notification delivering');
    while (!abort.signal.aborted) {
      const body = record.body!;
      const headers = webhookHeaders(secret, id, Math.floor(Date.now() / 1000), body);
      const result = await postWebhook(url, { ...headers }, body, { timeoutMs: options.timeoutMs, allowPrivateNetworks: options.allowPrivateNetworks });
      if (abort.signal.aborted) return;
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
      await sleep(delay);
    }
  }

  /** The job's own secret when it has one, else the deployment's; undefined once the job's data key is destroyed. */
  async function signingSecret(jobId: string, definition: StoredJobDefinition): Promise<string | undefined> {
    if (!definition.webhook_secret_sealed) return options.secret;
    try {
      return await options.sealer.open(jobId, definition.webhook_secret_sealed);
    } catch (err) {
      if (err instanceof FerryError && err.code === 'FAILED_PRECONDITION') return undefined;
      throw err;
    }
  }

  /** Unexpected errors (NATS unavailable) are retried in place, so the job's queue keeps its order. */
  async function deliverPatiently(seq: number, event: JobEvent, state: JobStatus): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        return await deliver(seq, event, state);
      } catch (err) {
        log.warn({ job_id: event.data.job_id, run: runOf(event), seq, err: String(err) }, 'notification processing error, retrying');
        await sleep(1000);
      }
    }
  }

  function onMessage(msg: JsMsg): void {
    if (held.has(msg.seq)) {
      held.set(msg.seq, msg); // a redelivery of a message still being worked on: keep the newest handle
      return;
    }
    let event: JobEvent;
    try {
      event = decodeJson<JobEvent>(msg.data);
    } catch {
      msg.term();
      return;
    }
    const state = notificationState(event);
    if (!state) {
      msg.ack();
      return;
    }
    held.set(msg.seq, msg);
    void queues.enqueue(event.data.job_id, () => deliverPatiently(msg.seq, event, state));
  }

  const consumer = await nc.jetstream().consumers.get(STREAMS.events, NOTIFIER_CONSUMER);
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        messages = await consumer.consume({ max_messages: 256 });
        for await (const msg of messages) onMessage(msg);
      } catch (err) {
        if (!abort.signal.aborted) log.warn({ err: String(err) }, 'notifier consume interrupted');
      }
      if (!abort.signal.aborted) await sleep(500);
    }
  })();
  log.info('notifier started');

  return {
    async stop() {
      abort.abort();
      clearInterval(heartbeat);
      messages?.stop();
      await loop;
      log.info('notifier stopped');
    },
  };
}

/** The run an event belongs to; JobCreated and JobDeleted have none. */
function runOf(event: JobEvent): number | undefined {
  return 'run' in event.data ? event.data.run : undefined;
}
