import { createHash } from 'node:crypto';
import type { JetStreamClient, JsMsg } from 'nats';
import type { ObjectOutcome, ObjectsProcessed, RetriedAttempt } from '../../libs/domain/index.js';
import { encodeJson, publishDurably, subjects } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';

const MAX_BATCH = 200;
const MAX_DELAY_MS = 10;

interface Pending {
  outcome: ObjectOutcome;
  /** Absent for all but the last outcome of an item that has several (a versions item). */
  msg?: JsMsg;
  ack: 'ack' | 'term';
}

/**
 * Gathers outcomes of one job run into ObjectsProcessed messages (many objects per
 * message), publishes each and only then acks the work items. A copier dying in
 * between leaves the items unacked: they are redelivered, copied again and the
 * projector counts each ordinal once.
 *
 * A finished item keeps its place in the run's max_ack_pending until it is acked, so
 * a batch goes out once `flushAt` outcomes wait (the worker passes a quarter of the
 * job's concurrency), or after 10 ms: waiting for 200 outcomes or 25 ms left much of a
 * job's concurrency idle behind finished items.
 */
export class OutcomeBatcher {
  private pending: Pending[] = [];
  private retries: RetriedAttempt[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing = Promise.resolve();

  private readonly flushAt: number;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jobId: string,
    private readonly run: number,
    private readonly log: Logger,
    flushAt = MAX_BATCH,
  ) {
    this.flushAt = Math.max(1, Math.min(MAX_BATCH, flushAt));
  }

  add(outcome: ObjectOutcome, msg: JsMsg, ack: 'ack' | 'term' = 'ack'): void {
    this.pending.push({ outcome, msg, ack });
    if (this.pending.length === this.flushAt) this.schedule(0);
    else if (!this.timer) this.schedule(MAX_DELAY_MS);
  }

  /**
   * The outcomes of one item that has several (a versions item: one per version), published together in
   * one batch of their own and the item acked (or termed) once they are stored.
   */
  addAll(outcomes: ObjectOutcome[], msg: JsMsg, ack: 'ack' | 'term' = 'ack'): void {
    if (this.pending.length > 0) this.flushNow();
    this.pending = outcomes.map((outcome, i) => (i === outcomes.length - 1 ? { outcome, msg, ack } : { outcome, ack }));
    this.flushNow();
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    const retries = this.retries;
    this.pending = [];
    this.retries = [];
    if (batch.length > 0 || retries.length > 0) this.flushing = this.flushing.then(() => this.publish(batch, retries));
  }

  /** Records a failed attempt that will be retried; it travels with the next batch, adding no message of its own when copies are flowing. */
  noteRetry(retry: RetriedAttempt): void {
    this.retries.push(retry);
    if (!this.timer) this.schedule(MAX_DELAY_MS);
  }

  /** Publishes nothing more until `settled` settles (batches already going out still do). */
  holdUntil(settled: Promise<unknown>): void {
    const done = () => undefined;
    this.flushing = this.flushing.then(() => settled.then(done, done));
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushNow();
    }, delayMs);
  }

  private async publish(batch: Pending[], retries: RetriedAttempt[]): Promise<void> {
    const outcomes = batch.map((p) => p.outcome);
    const data: ObjectsProcessed['data'] = { job_id: this.jobId, run: this.run, at: new Date().toISOString(), outcomes };
    if (retries.length > 0) data.retries = retries;
    const event: ObjectsProcessed = { type: 'ObjectsProcessed', data };
    const identity = [...outcomes.map((o) => o.ordinal), ...retries.map((r) => `r${r.ordinal}.${r.attempt}`)].join(',');
    const ordinals = createHash('sha1').update(identity).digest('base64url');
    try {
      await publishDurably(this.js, subjects.outcome(this.jobId), encodeJson(event), { msgID: `${this.jobId}:${this.run}:${ordinals}` });
      for (const p of batch) (p.ack === 'ack' ? p.msg?.ack() : p.msg?.term());
    } catch (err) {
      // Unacked items come back after the ack wait and are copied again: nothing is lost.
      this.log.warn({ job_id: this.jobId, run: this.run, err: String(err), objects: batch.length }, 'publishing outcomes failed');
      for (const p of batch) p.msg?.nak(1000);
    }
  }

  async close(): Promise<void> {
    if (this.timer) this.schedule(0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await this.flushing;
  }
}
