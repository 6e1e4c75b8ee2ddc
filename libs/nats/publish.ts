import { headers, type JetStreamClient, type JetStreamPublishOptions, type Msg, type NatsConnection, type PubAck, type Subscription } from 'nats';
import { newInbox } from './connection.js';
import { isRetryablePublishError } from './errors.js';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });

/** `resent`: the message went out more than once, so a `duplicate` ack may answer an earlier send of this same call. */
export type DurableAck = PubAck & { resent: boolean };

/**
 * Publishes and waits for the PubAck, retrying while the broker is unreachable or
 * electing a leader (isRetryablePublishError). The caller's msgID makes a retry after a
 * lost ack a no-op. `signal` ends the retrying: the last failure is thrown.
 */
export async function publishDurably(
  js: JetStreamClient,
  subject: string,
  payload: Uint8Array,
  options: Partial<JetStreamPublishOptions> & { msgID: string },
  deadlineMs = 120_000,
  signal?: AbortSignal,
): Promise<DurableAck> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const ack = await js.publish(subject, payload, { timeout: 5000, ...options });
      return { ...ack, resent: attempt > 0 };
    } catch (err) {
      if (!isRetryablePublishError(err) || Date.now() > deadline || signal?.aborted) throw err;
      await sleep(Math.min(2000, 100 * 2 ** attempt), signal);
    }
  }
}

export interface StoredAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

const PUBLISH_TIMEOUT_MS = 5000;

interface Outstanding {
  subject: string;
  payload: Uint8Array;
  msgID: string;
  sentAt: number;
  resolve(ack: StoredAck): void;
  reject(err: unknown): void;
}

/**
 * JetStream publishes with many PubAcks outstanding (the caller bounds how many). Each goes out as a
 * plain publish with its message id and a reply subject under one inbox of the publisher's, and its
 * PubAck is read there by hand: `js.publish()` is a request, and nats 2.29 builds an Error (a stack
 * trace) and a timer for every request, which cost the lister more than the rest of its publish
 * (ARCHITECTURE.md, "The NATS client"). Anything but a PubAck (a refusal, no responders, no answer
 * within `timeoutMs`) sends the message again through publishDurably, which tells a refusal from a
 * failure worth retrying and retries those with the same message id (a resend after a lost ack is a
 * no-op).
 */
export class PipelinedPublisher {
  private readonly stopping = new AbortController();
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly js: JetStreamClient;
  private readonly inbox: string;
  private readonly replies: Subscription;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  /** `timeoutMs`: how long a PubAck may take before the publish is sent again; `deadlineMs`: when to give up. */
  constructor(
    private readonly nc: NatsConnection,
    { timeoutMs = PUBLISH_TIMEOUT_MS, deadlineMs = 120_000 }: { timeoutMs?: number; deadlineMs?: number } = {},
  ) {
    this.timeoutMs = timeoutMs;
    this.deadlineMs = deadlineMs;
    this.js = nc.jetstream();
    this.inbox = newInbox(nc);
    this.replies = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? undefined : this.answered(msg)) });
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, timeoutMs / 4));
    this.sweeper.unref();
  }

  publish(subject: string, payload: Uint8Array, msgID: string): Promise<StoredAck> {
    if (this.stopping.signal.aborted) return Promise.reject(new Error('publisher closed'));
    const token = this.next++;
    const h = headers();
    h.set('Nats-Msg-Id', msgID);
    return new Promise<StoredAck>((resolve, reject) => {
      this.outstanding.set(token, { subject, payload, msgID, sentAt: Date.now(), resolve, reject });
      this.nc.publish(subject, payload, { reply: `${this.inbox}.${token}`, headers: h });
    });
  }

  /** Stops retrying: a publish failing from now on fails for good. */
  close(): void {
    this.stopping.abort();
    clearInterval(this.sweeper);
    this.replies.unsubscribe();
    for (const [token, entry] of this.outstanding) {
      this.outstanding.delete(token);
      this.resend(entry);
    }
  }

  private answered(msg: Msg): void {
    const token = Number(msg.subject.slice(this.inbox.length + 1));
    const entry = this.outstanding.get(token);
    if (entry === undefined) return; // answered after its timeout: it was sent again
    this.outstanding.delete(token);
    const ack = msg.headers?.hasError ? undefined : readPubAck(msg.data);
    if (ack === undefined) this.resend(entry);
    else entry.resolve(ack);
  }

  private sweep(): void {
    const late = Date.now() - this.timeoutMs;
    for (const [token, entry] of this.outstanding) {
      if (entry.sentAt > late) continue;
      this.outstanding.delete(token);
      this.resend(entry);
    }
  }

  private resend(entry: Outstanding): void {
    const left = this.deadlineMs - (Date.now() - entry.sentAt);
    publishDurably(this.js, entry.subject, entry.payload, { msgID: entry.msgID, timeout: this.timeoutMs }, left, this.stopping.signal).then(
      (ack) => entry.resolve(stored(ack)),
      (err: unknown) => entry.reject(err),
    );
  }
}

/** A PubAck's fields, or undefined for any other answer (a JetStream error, something unreadable). */
function readPubAck(data: Uint8Array): StoredAck | undefined {
  try {
    const answer = JSON.parse(decoder.decode(data)) as { stream?: unknown; seq?: unknown; duplicate?: unknown; error?: unknown };
    if (answer.error !== undefined || typeof answer.stream !== 'string' || typeof answer.seq !== 'number') return undefined;
    return { stream: answer.stream, seq: answer.seq, duplicate: answer.duplicate === true };
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

const decoder = new TextDecoder();

function stored(ack: PubAck): StoredAck {
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
}
