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
 * through js.publish() and retried as publishDurably does (same message id, so a retry
 * after a lost PubAck is a no-op). With the connection's noAsyncTraces a publish costs a
 * muxed request (one inbox subscription for all) and a timer.
 */
export class PipelinedPublisher {
  private readonly stopping = new AbortController();
  private readonly outstanding = new Set<(err: Error) => void>();
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
    return new Promise((resolve, reject) => {
      this.outstanding.add(reject);
      publishDurably(this.js, subject, payload, { msgID, timeout: this.timeoutMs }, this.deadlineMs, this.stopping.signal)
        .then((ack) => resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate }), reject)
        .finally(() => this.outstanding.delete(reject));
    });
  }

  /** Stops retrying; publishes still outstanding fail. */
  close(): void {
    this.stopping.abort();
    for (const reject of this.outstanding) reject(new Error('publisher closed'));
    this.outstanding.clear();
  }
}
