import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from 'nats';
import { STREAMS, nextOnSubject, settledWithin } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';

const STALL_CHECK_MS = 5_000;
const CONSUMER_OPEN_MS = 10_000;
const RETRY_PAUSE_MS = 500;
const READ_AHEAD_LIMIT = 10_000;

export interface LogReaderOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  /** The last sequence folded: reading resumes after it. */
  foldedSeq(): number;
  /** Folds one message of the events stream (already folded sequences are the folder's to ignore). */
  fold(message: LogMessage): void;
}

/** One message of the events stream, as read. */
export interface LogMessage {
  subject: string;
  data: Uint8Array;
  seq: number;
}

export interface LogReader {
  stop(): Promise<void>;
}

/**
 * Reads the events stream in order from the next unfolded sequence, for as long as it runs: through an
 * ordered consumer, read again whenever it fails or stalls. nats.js retries creating an ordered consumer
 * for minutes (e.g. while a cluster's placement still names a dead node), so one that is not open in
 * time is left to finish in the background while the log is read by plain gets; the loop then takes it
 * up, or a newer one.
 */
export function startLogReader({ js, jsm, log, foldedSeq, fold }: LogReaderOptions): LogReader {
  let stopped = false;
  let signalStop = () => {};
  const stopping = new Promise<void>((resolve) => (signalStop = resolve));
  let stalled = false;
  let messages: ConsumerMessages | undefined;
  let opening: Promise<ConsumerMessages> | undefined;

  const reading = (async () => {
    while (!stopped) {
      try {
        if (stalled) {
          stalled = false;
          await readAheadByGet(jsm, foldedSeq(), fold, () => stopped, log);
        }
        opening ??= openLogConsumer(js, foldedSeq() + 1);
        const opened = await settledWithin(opening, CONSUMER_OPEN_MS, stopping);
        if (stopped) break;
        if (opened === undefined) {
          log.warn({ folded_seq: foldedSeq(), waited_ms: CONSUMER_OPEN_MS }, 'log consumer not open yet; reading by get meanwhile');
          await readAheadByGet(jsm, foldedSeq(), fold, () => stopped, log);
        } else {
          opening = undefined;
          messages = opened;
          for await (const msg of messages) fold(msg);
        }
      } catch (err) {
        opening = undefined;
        if (!stopped) log.warn({ err: String(err) }, 'reading the log failed; resuming');
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
    // A consumer still opening when the reader stops is closed once it opens.
    void opening?.then(
      (late) => late.stop(),
      () => undefined, // it never opened: nothing to stop
    );
  })();

  // An ordered consumer can stall for good when its stream's leader dies (nats.js 2.29 on a
  // 2.9 cluster): when the log has moved on but nothing was folded for a while, start reading again.
  let seenSeq = foldedSeq();
  const watchdog = setInterval(() => {
    if (foldedSeq() !== seenSeq) {
      seenSeq = foldedSeq();
      return;
    }
    jsm.streams
      .info(STREAMS.events)
      .then((info) => {
        if (info.state.last_seq > foldedSeq() && foldedSeq() === seenSeq && messages) {
          log.warn({ folded_seq: foldedSeq(), last_seq: info.state.last_seq }, 'log reading stalled; resuming');
          stalled = true;
          messages.stop();
        }
      })
      // No answer (the stream's leader moving) tells nothing about a stall; the next tick looks again.
      .catch((err: unknown) => log.debug({ err: String(err) }, 'stall check got no answer'));
  }, STALL_CHECK_MS);

  return {
    async stop() {
      clearInterval(watchdog);
      stopped = true;
      signalStop();
      messages?.stop();
      await reading; // never rejects: each failed read is logged and retried inside
    },
  };
}

/** An ordered consumer on the events stream from `startSeq`, consuming. */
async function openLogConsumer(js: JetStreamClient, startSeq: number): Promise<ConsumerMessages> {
  // Always by start sequence: nats.js 2.29's ordered consumer never starts consuming with deliver_policy 'all'.
  const consumer = await js.consumers.get(STREAMS.events, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq });
  return consumer.consume({ max_messages: 1000 });
}

/**
 * After a stall, reads past the point where the ordered consumer stuck with plain message gets
 * (answered by the stream leader, whoever it is now), up to READ_AHEAD_LIMIT messages, before a
 * new ordered consumer takes over. Purged sequences are skipped: each get asks for the next
 * message at or after a sequence.
 */
async function readAheadByGet(
  jsm: JetStreamManager,
  foldedSeq: number,
  fold: (message: LogMessage) => void,
  stopped: () => boolean,
  log: Logger,
): Promise<void> {
  const last = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  let seq = foldedSeq;
  for (let n = 0; seq < last && n < READ_AHEAD_LIMIT && !stopped(); n++) {
    // Nothing more to get ends the read-ahead; so does a failed get (the ordered consumer takes over).
    const msg = await nextOnSubject(jsm, '>', seq + 1).catch(
      (err: unknown) => void log.warn({ err: String(err), seq: seq + 1 }, 'reading the log ahead by get failed'),
    );
    if (!msg) return;
    fold(msg);
    seq = msg.seq;
  }
}
