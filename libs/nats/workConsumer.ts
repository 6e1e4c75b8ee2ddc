import { AckPolicy, DeliverPolicy, nanos, type ConsumerInfo, type JetStreamManager } from 'nats';
import { JS_ERR, unlessJetStreamError } from './errors.js';
import { STREAMS, consumers, subjects } from './subjects.js';

/** Default time a copier may hold a work item without a heartbeat before JetStream hands it to another copier. */
export const WORK_ACK_WAIT_MS = 30_000;

/**
 * One durable pull consumer per job run. Its max_ack_pending is the job's
 * concurrency, which caps in-flight copies across every copier process with no
 * coordination of our own. Creating it again with the same config is a no-op.
 */
export async function ensureRunConsumer(
  jsm: JetStreamManager,
  jobId: string,
  run: number,
  concurrency: number,
  ackWaitMs = WORK_ACK_WAIT_MS,
): Promise<ConsumerInfo> {
  const name = consumers.work(jobId, run);
  // Whoever creates it first sets it up; later callers use it as it is.
  const existing = await unlessJetStreamError(jsm.consumers.info(STREAMS.work, name), JS_ERR.consumerNotFound);
  if (existing) return existing;
  return jsm.consumers.add(STREAMS.work, {
    durable_name: name,
    filter_subject: subjects.work(jobId, run),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    max_ack_pending: concurrency,
    // Retries are counted by the copier against the job's max_retries; the broker never gives up on its own.
    max_deliver: -1,
  });
}

/**
 * Changes a run's concurrency (UpdateJob): its consumer's max_ack_pending, when it differs. Nothing
 * to do for a run whose consumer is gone (ended) or not made yet (it is made with the new value).
 */
export async function setRunConcurrency(jsm: JetStreamManager, jobId: string, run: number, concurrency: number): Promise<void> {
  const name = consumers.work(jobId, run);
  const existing = await unlessJetStreamError(jsm.consumers.info(STREAMS.work, name), JS_ERR.consumerNotFound);
  if (!existing || existing.config.max_ack_pending === concurrency) return;
  await unlessJetStreamError(jsm.consumers.update(STREAMS.work, name, { max_ack_pending: concurrency }), JS_ERR.consumerNotFound);
}

/** Drops a finished or cancelled run's consumer and whatever work it still held. Safe to repeat. */
export async function removeRunWork(jsm: JetStreamManager, jobId: string, run: number): Promise<void> {
  await unlessJetStreamError(jsm.consumers.delete(STREAMS.work, consumers.work(jobId, run)), JS_ERR.consumerNotFound);
  await jsm.streams.purge(STREAMS.work, { filter: subjects.work(jobId, run) });
}
