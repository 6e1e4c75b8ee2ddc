import type { JetStreamClient, JetStreamPublishOptions, PubAck } from 'nats';
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

/**
 * JetStream publishes with many PubAcks outstanding (the caller bounds how many), each
 * a js.publish() with its message id; a failure worth retrying is sent again as
 * publishDurably does (same message id, so a retry after a lost PubAck is a no-op).
 * The first attempt adds nothing to js.publish() but the ack's three fields: in nats
 * 2.29 a js.publish() costs about three times a publish whose PubAck is read by hand
 * (ARCHITECTURE.md, "The NATS client").
 */
export class PipelinedPublisher {
  private readonly stopping = new AbortController();
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;

  /** `timeoutMs`: how long a PubAck may take before the publish is sent again; `deadlineMs`: when to give up. */
  constructor(
    private readonly js: JetStreamClient,
    { timeoutMs = PUBLISH_TIMEOUT_MS, deadlineMs = 120_000 }: { timeoutMs?: number; deadlineMs?: number } = {},
  ) {
    this.timeoutMs = timeoutMs;
    this.deadlineMs = deadlineMs;
  }

  publish(subject: string, payload: Uint8Array, msgID: string): Promise<StoredAck> {
    if (this.stopping.signal.aborted) return Promise.reject(new Error('publisher closed'));
    const started = Date.now();
    return this.js.publish(subject, payload, { msgID, timeout: this.timeoutMs }).then(stored, (err: unknown) => this.retry(subject, payload, msgID, started, err));
  }

  /** Stops retrying: a publish failing from now on fails for good. */
  close(): void {
    this.stopping.abort();
  }

  private async retry(subject: string, payload: Uint8Array, msgID: string, started: number, err: unknown): Promise<StoredAck> {
    const left = this.deadlineMs - (Date.now() - started);
    if (!isRetryablePublishError(err) || left <= 0 || this.stopping.signal.aborted) throw err;
    await sleep(100, this.stopping.signal);
    return stored(await publishDurably(this.js, subject, payload, { msgID, timeout: this.timeoutMs }, left, this.stopping.signal));
  }
}

function stored(ack: PubAck): StoredAck {
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
}
