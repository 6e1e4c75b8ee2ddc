import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { JobEvent } from '../../libs/domain/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { JobEventStore, ReadModel, STREAMS, decodeJson, subjects } from '../../libs/nats/index.js';
import { NotificationLog, notificationState } from '../../libs/webhooks/index.js';
import { WebhookDelivery, type DeliverySettings } from './webhookDelivery.js';
import { KeyedQueues } from './jobQueues.js';

export const NOTIFIER_CONSUMER = 'notifier';
// A message is held (unacked, heartbeated) while its delivery is retried; if this process dies,
// JetStream redelivers it after ACK_WAIT_MS to the restarted notifier.
const ACK_WAIT_MS = 6000;
const HEARTBEAT_MS = 2000;

export interface NotifierOptions extends DeliverySettings {
  nc: NatsConnection;
  log: Logger;
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
  const delivery = new WebhookDelivery({ store, readModel, records, log, options, signal: abort.signal, sleep, finish });

  function onMessage(msg: JsMsg): void {
    if (held.has(msg.seq)) {
      held.set(msg.seq, msg); // a redelivery of a message still being worked on: keep the newest handle
      return;
    }
    let event: JobEvent;
    try {
      event = decodeJson<JobEvent>(msg.data);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      log.warn({ seq: msg.seq, err: err.message }, 'an event that is not JSON will not be notified');
      msg.term();
      return;
    }
    const state = notificationState(event);
    if (!state) {
      msg.ack();
      return;
    }
    held.set(msg.seq, msg);
    void queues.enqueue(event.data.job_id, () => delivery.deliverPatiently(msg.seq, event, state));
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

