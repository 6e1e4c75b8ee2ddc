import { DeliverPolicy, type ConsumerMessages, type JetStreamManager, type NatsConnection } from 'nats';
import {
  OrdinalSet,
  RunFailures,
  keptFailuresThrough,
  withKeptFailures,
  type FailedObject,
  type FailuresKept,
  type OutcomesCheckpointed,
  type FailuresRecorded,
  type FerryEvent,
  type JobError,
  type ObjectsProcessed,
  type RunSpan,
} from '../domain/index.js';
import { decodeJson } from './codec.js';
import { deleteOrderedConsumer } from './errors.js';
import { lastOnSubject } from './subjectPosition.js';
import { STREAMS, subjects } from './subjects.js';

/**
 * Calls `visit` for each message of one subject of the events stream with sequence in
 * [fromSeq, toSeq], in order, read with an ordered consumer started at fromSeq (deliver 'all'
 * hangs on this server, see NOTES). Nothing is held beyond the consumer's buffer. With `paced`,
 * a visit may return a promise: messages are fetched `paced` at a time, and the next batch only
 * once every visit of this one has settled, so a slow visitor (an upload) holds at most one batch
 * (consume() asks for more as messages arrive, not as they are handled, and would buffer the rest).
 */
export async function forEachInRange<T = FerryEvent>(
  nc: NatsConnection,
  subject: string,
  fromSeq: number,
  toSeq: number,
  visit: (seq: number, event: T) => void | Promise<void>,
  paced?: number,
): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const last = Math.min(await lastOnSubject(jsm, subject), toSeq);
  if (last < fromSeq) return;
  if (paced !== undefined) return forEachPaced(nc, jsm, subject, fromSeq, last, visit, paced);
  const consumer = await nc.jetstream().consumers.get(STREAMS.events, {
    filterSubjects: subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
  });
  const messages = await consumer.consume({ max_messages: 1000 });
  const watchdog = stopWhenNothingLeft(jsm, subject, messages, fromSeq - 1);
  try {
    for await (const msg of messages) {
      watchdog.delivered(msg.seq);
      if (msg.seq <= last) void visit(msg.seq, decodeJson<T>(msg.data));
      if (msg.seq >= last) break;
    }
  } finally {
    watchdog.stop();
    messages.stop();
    await deleteOrderedConsumer(consumer);
  }
}

/** How long a read waits for its next message before it asks whether any is left. */
const IDLE_CHECK_MS = 1_000;

/**
 * Ends `messages` when deliveries stop and the subject holds nothing after the last one delivered: the
 * messages a reader waits for may be purged (a run's compaction) after it looked up the subject's last
 * one, and an ordered consumer otherwise waits for them for ever. Failing to ask ends the read with that
 * error. (A consumer's own pending count will not do: on a replicated stream it may count a replica that
 * is behind.)
 */
function stopWhenNothingLeft(jsm: JetStreamManager, subject: string, messages: ConsumerMessages, startedAfter: number): { delivered(seq: number): void; stop(): void } {
  let lastDelivery = Date.now();
  let lastSeq = startedAfter;
  const timer = setInterval(() => {
    if (Date.now() - lastDelivery < IDLE_CHECK_MS) return;
    const asked = lastSeq;
    lastOnSubject(jsm, subject).then(
      (end) => {
        if (end <= asked && lastSeq === asked) messages.stop();
      },
      (err: Error) => messages.stop(err),
    );
  }, IDLE_CHECK_MS);
  return {
    delivered: (seq) => {
      lastDelivery = Date.now();
      lastSeq = seq;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Each batch from an ordered consumer of its own, started after the last message visited: an
 * ordered consumer that resets mid-fetch ends the fetch and may drop what it had received but not
 * yet handed out, so nothing is taken from one beyond a single fetch.
 */
async function forEachPaced<T>(nc: NatsConnection, jsm: JetStreamManager, subject: string, fromSeq: number, last: number, visit: (seq: number, event: T) => void | Promise<void>, paced: number): Promise<void> {
  for (let at = fromSeq - 1; at < last; ) {
    const before = at;
    const consumer = await nc.jetstream().consumers.get(STREAMS.events, { filterSubjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: at + 1 });
    try {
      for await (const msg of await consumer.fetch({ max_messages: paced, expires: FETCH_EXPIRES_MS })) {
        if (msg.seq > last) {
          at = last;
          break;
        }
        at = msg.seq;
        await visit(msg.seq, decodeJson<T>(msg.data));
        if (msg.seq >= last) break;
      }
    } finally {
      await deleteOrderedConsumer(consumer);
    }
    // Nothing came and nothing is left after it: the rest up to `last` was purged since it was looked up.
    if (at === before && (await lastOnSubject(jsm, subject)) <= at) return;
    if (at === before) throw new Error(`reading ${subject}: no message after sequence ${at} within ${FETCH_EXPIRES_MS} ms, though the subject goes on to ${last}`);
  }
}

/** How long one paced fetch waits for its messages (they are in the stream: it returns at once). */
const FETCH_EXPIRES_MS = 5_000;

/** The messages of one subject with sequence in [fromSeq, toSeq], in stream order. */
export async function readSubjectRange<T = FerryEvent>(nc: NatsConnection, subject: string, fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): Promise<Array<{ seq: number; event: T }>> {
  const out: Array<{ seq: number; event: T }> = [];
  await forEachInRange<T>(nc, subject, fromSeq, toSeq, (seq, event) => {
    out.push({ seq, event });
  });
  return out;
}

/**
 * Reads the job's ObjectsProcessed batches in [fromSeq, toSeq] one by one (with `paced`, that many fetched
 * at a time, async visits awaited). A run's OutcomesCheckpointed shares their subject and is passed over.
 */
export function forEachOutcomeBatch(nc: NatsConnection, jobId: string, fromSeq: number, toSeq: number, visit: (seq: number, event: ObjectsProcessed) => void | Promise<void>, paced?: number) {
  return forEachInRange<FerryEvent>(nc, subjects.outcome(jobId), fromSeq, toSeq, (seq, event) => (event.type === 'ObjectsProcessed' ? visit(seq, event) : undefined), paced);
}

/** The parts of a run's failure summary (from `fromSeq` on), or undefined until every part is in the log. */
export async function readFailureSummary(nc: NatsConnection, jobId: string, run: number, fromSeq = 1): Promise<FailuresRecorded['data'][] | undefined> {
  const parts = new Map<number, FailuresRecorded['data']>();
  for (const { event } of await readSubjectRange<FerryEvent>(nc, subjects.summary(jobId), fromSeq)) {
    if (event.type === 'FailuresRecorded' && event.data.run === run) parts.set(event.data.part, event.data);
  }
  const count = parts.values().next().value?.parts;
  if (count === undefined || parts.size < count) return undefined;
  return [...parts.values()].sort((a, b) => a.part - b.part);
}

/**
 * The final failures and retried attempts of one run: from its summary once its outcome detail
 * was compacted, else from the outcome batches themselves. Compaction writes the whole summary
 * before it purges any batch, so batches read while a purge went on are answered from the summary,
 * which a second look then finds complete (a run read just as it ended otherwise came back empty).
 */
export async function readRunFailures(nc: NatsConnection, jobId: string, span: RunSpan, retriesKept?: number): Promise<{ failed: FailedObject[]; retried: JobError[] }> {
  if (span.endSeq === undefined) return collectRunFailures(nc, jobId, span, retriesKept);
  const fromSummary = (summary: FailuresRecorded['data'][]) => ({ failed: summary.flatMap((p) => p.failed), retried: summary.flatMap((p) => p.retries).slice(-(retriesKept ?? Infinity)) });
  const summary = await readFailureSummary(nc, jobId, span.run);
  if (summary) return fromSummary(summary);
  const collected = await collectRunFailures(nc, jobId, span, retriesKept);
  const written = await readFailureSummary(nc, jobId, span.run);
  return written ? fromSummary(written) : collected;
}

/**
 * The final failures and retried attempts of one run, read from its outcome batches: those after its
 * latest mid-run checkpoint (if any), with the failures kept for the batches that checkpoint covers.
 */
export async function collectRunFailures(nc: NatsConnection, jobId: string, span: RunSpan, retriesKept?: number): Promise<{ failed: FailedObject[]; retried: JobError[] }> {
  const scan = new RunOutcomeScan(span, retriesKept);
  await scan.readTo(nc, jobId, span.endSeq ?? Number.MAX_SAFE_INTEGER);
  const recent = scan.failures.result();
  if (!scan.checkpoint) return recent;
  return withKeptFailures(await readKeptFailures(nc, jobId, span.run, scan.checkpoint.through_seq), recent, retriesKept);
}

/**
 * Reads a run's outcome subject in steps, from its start: the failures of the batches after the latest
 * checkpoint of the run met so far (the first outcome of an ordinal counts; ordinals the checkpoint
 * counted are passed over). A checkpoint is only honoured within the run's span: one that landed after
 * the run ended was not folded, and nothing was purged for it.
 */
export class RunOutcomeScan {
  failures: RunFailures;
  checkpoint: OutcomesCheckpointed['data'] | undefined;
  /** The stream sequence of `checkpoint`. */
  checkpointSeq: number | undefined;
  /** Every message up to here was read. */
  readSeq: number;

  constructor(
    private readonly span: RunSpan,
    private readonly retriesKept?: number,
  ) {
    this.failures = new RunFailures(span, retriesKept);
    this.readSeq = span.fromSeq - 1;
  }

  async readTo(nc: NatsConnection, jobId: string, toSeq: number): Promise<void> {
    if (toSeq <= this.readSeq) return;
    const span = this.span;
    await forEachInRange<FerryEvent>(nc, subjects.outcome(jobId), this.readSeq + 1, toSeq, (seq, event) => {
      if (event.type === 'ObjectsProcessed') this.failures.add(seq, event);
      else if (event.type === 'OutcomesCheckpointed' && event.data.run === span.run && (span.endSeq === undefined || seq < span.endSeq)) {
        this.checkpoint = event.data;
        this.checkpointSeq = seq;
        this.failures = new RunFailures(span, this.retriesKept, OrdinalSet.fromData(event.data.done));
      }
    });
    this.readSeq = toSeq;
  }
}

/** The failures kept for a run's batches up to a checkpoint's through_seq (FailuresKept sets on its summary subject). */
export async function readKeptFailures(nc: NatsConnection, jobId: string, run: number, throughSeq: number): Promise<{ failed: FailedObject[]; retried: JobError[] }> {
  const sets: Array<FailuresKept['data']> = [];
  for (const { event } of await readSubjectRange<FerryEvent>(nc, subjects.summary(jobId))) if (event.type === 'FailuresKept' && event.data.run === run) sets.push(event.data);
  const kept = keptFailuresThrough(sets, throughSeq);
  if (!kept) throw new Error(`job ${jobId} run ${run}: the failures kept for its checkpoint through sequence ${throughSeq} are incomplete`);
  return kept;
}
