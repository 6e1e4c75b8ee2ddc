import type { JetStreamClient, JetStreamPublishOptions, PubAck } from 'nats';

// A full work stream is retried too: copiers drain it, and listers hold back before it fills.
const RETRYABLE = /timeout|no responders|503|TIMEOUT|CONNECTION_CLOSED|disconnect|reconnect|stale connection|leader|maximum messages exceeded|maximum bytes exceeded/i;

export function isWrongLastSequence(err: unknown): boolean {
  return /wrong last sequence/i.test(String((err as Error)?.message ?? err));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
): Promise<PubAck> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await js.publish(subject, payload, { timeout: 5000, ...options });
    } catch (err) {
      if (!RETRYABLE.test(String((err as Error).message ?? err)) || Date.now() > deadline) throw err;
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
}
