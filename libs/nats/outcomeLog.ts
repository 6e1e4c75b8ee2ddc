import { DeliverPolicy, type NatsConnection } from 'nats';
import type { ObjectsProcessed } from '../domain/index.js';
import { decodeJson } from './codec.js';
import { STREAMS, subjects } from './subjects.js';

/**
 * The job's ObjectsProcessed batches with stream sequence in [fromSeq, toSeq], read with an
 * ordered consumer started at fromSeq (deliver 'all' hangs on this server, see NOTES).
 * Runs are read from their RunStarted on, so earlier runs' outcomes are never scanned.
 */
export async function readOutcomes(nc: NatsConnection, jobId: string, fromSeq: number, toSeq = Number.MAX_SAFE_INTEGER): Promise<Array<{ seq: number; event: ObjectsProcessed }>> {
  const subject = subjects.outcome(jobId);
  const jsm = await nc.jetstreamManager();
  const lastMsg = await jsm.streams.getMessage(STREAMS.events, { last_by_subj: subject }).catch(() => undefined);
  const last = Math.min(lastMsg?.seq ?? 0, toSeq);
  if (last < fromSeq) return [];
  const consumer = await nc.jetstream().consumers.get(STREAMS.events, {
    filterSubjects: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
  });
  const out: Array<{ seq: number; event: ObjectsProcessed }> = [];
  const messages = await consumer.consume({ max_messages: 1000 });
  for await (const msg of messages) {
    if (msg.seq <= last) out.push({ seq: msg.seq, event: decodeJson<ObjectsProcessed>(msg.data) });
    if (msg.seq >= last) break;
  }
  messages.stop();
  await consumer.delete().catch(() => undefined);
  return out;
}
