import { createInbox, headers, type JetStreamClient, type JetStreamPublishOptions, type Msg, type NatsConnection, type PubAck, type Subscription } from 'nats';

// A full work stream is retried too: copiers drain it, and listers hold back before it fills.
const RETRYABLE = /timeout|no responders|503|TIMEOUT|CONNECTION_CLOSED|disconnect|reconnect|stale connection|leader|maximum messages exceeded|maximum bytes exceeded/i;

/** JetStream's JSStreamWrongLastSequenceErr (nats-server errors.json): an append or KV write expected another last sequence. */
const WRONG_LAST_SEQUENCE = 10071;

/** Whether a publish, KV create or KV update lost to a concurrent write (by JetStream's error code). */
export function isWrongLastSequence(err: unknown): boolean {
  return (err as { api_error?: { err_code?: number } } | undefined)?.api_error?.err_code === WRONG_LAST_SEQUENCE;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `resent`: the message went out more than once, so a `duplicate` ack may answer an earlier send of this same call. */
export type DurableAck = PubAck & { resent: boolean };

/**
 * Publishes and waits for the PubAck, retrying while the broker is unreachable or
 * electing a leader. The caller's msgID makes a retry after a lost ack a no-op.
 */
export async function publishDurably(
  js: JetStreamClient,
  subject: string,
  payload: Uint8Array,
  options: Partial<JetStreamPublishOptions> & { msgID: string },
  deadlineMs = 120_000,
): Promise<DurableAck> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const ack = await js.publish(subject, payload, { timeout: 5000, ...options });
      return { ...ack, resent: attempt > 0 };
    } catch (err) {
      if (!RETRYABLE.test(String((err as Error).message ?? err)) || Date.now() > deadline) throw err;
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
}

export interface StoredAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

interface Outstanding {
  subject: string;
  payload: Uint8Array;
  msgID: string;
  /** When the first attempt went out: the retry deadline counts from here. */
  started: number;
  sentAt: number;
  attempt: number;
  resolve(ack: StoredAck): void;
  reject(err: Error): void;
}

const PUBLISH_TIMEOUT_MS = 5000;
const SWEEP_EVERY_MS = 500;

/**
 * JetStream publishes with many PubAcks outstanding at little cost each: one inbox
 * subscription answers them all and one timer sweeps the overdue, where js.publish()
 * makes a request, a timer and an error object per message. Retries follow
 * publishDurably (same message id, so a retry after a lost PubAck is a no-op). The
 * caller bounds how many are outstanding.
 */
export class PipelinedPublisher {
  private readonly inbox: string;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly subscription: Subscription;
  private sweeper: NodeJS.Timeout | undefined;
  private nextId = 0;
  private closed = false;

  private readonly timeoutMs: number;
  private readonly deadlineMs: number;

  /** `timeoutMs`: how long a PubAck may take before the publish is sent again; `deadlineMs`: when to give up. */
  constructor(
    private readonly nc: NatsConnection,
    { timeoutMs = PUBLISH_TIMEOUT_MS, deadlineMs = 120_000 }: { timeoutMs?: number; deadlineMs?: number } = {},
  ) {
    this.timeoutMs = timeoutMs;
    this.deadlineMs = deadlineMs;
    this.inbox = createInbox();
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? undefined : this.answered(msg)) });
  }

  publish(subject: string, payload: Uint8Array, msgID: string): Promise<StoredAck> {
    return new Promise((resolve, reject) => this.send({ subject, payload, msgID, started: Date.now(), sentAt: 0, attempt: 0, resolve, reject }));
  }

  /** Stops listening for PubAcks; publishes still outstanding fail. */
  close(): void {
    this.closed = true;
    this.subscription.unsubscribe();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const p of this.outstanding.values()) p.reject(new Error('publisher closed'));
    this.outstanding.clear();
  }

  private send(p: Outstanding): void {
    if (this.closed) return p.reject(new Error('publisher closed'));
    const id = ++this.nextId;
    const h = headers();
    h.set('Nats-Msg-Id', p.msgID);
    p.sentAt = Date.now();
    try {
      this.nc.publish(p.subject, p.payload, { reply: `${this.inbox}.${id}`, headers: h });
    } catch (err) {
      this.failed(p, err as Error);
      return;
    }
    this.outstanding.set(id, p);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.min(SWEEP_EVERY_MS, this.timeoutMs));
      this.sweeper.unref();
    }
  }

  private answered(msg: Msg): void {
    const id = Number(msg.subject.slice(this.inbox.length + 1));
    const p = this.outstanding.get(id);
    if (!p) return; // the answer to an attempt already given up on
    this.outstanding.delete(id);
    if (msg.headers?.hasError) return this.failed(p, new Error(`${msg.headers.code} ${msg.headers.description}`));
    let ack: StoredAck & { error?: { code?: number; description?: string } };
    try {
      ack = JSON.parse(decoder.decode(msg.data));
    } catch (err) {
      return this.failed(p, err as Error);
    }
    if (ack.error) return this.failed(p, new Error(`${ack.error.code ?? ''} ${ack.error.description ?? 'publish refused'}`.trim()));
    p.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true });
  }

  private sweep(): void {
    const overdue = Date.now() - this.timeoutMs;
    // Insertion order is sending order, so the overdue come first.
    for (const [id, p] of this.outstanding) {
      if (p.sentAt > overdue) break;
      this.outstanding.delete(id);
      this.failed(p, new Error('TIMEOUT'));
    }
    if (this.outstanding.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private failed(p: Outstanding, err: Error): void {
    if (!RETRYABLE.test(err.message) || Date.now() - p.started > this.deadlineMs) return p.reject(err);
    setTimeout(() => this.send(p), Math.min(2000, 100 * 2 ** p.attempt++));
  }
}

const decoder = new TextDecoder();
