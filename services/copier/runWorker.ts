import { setMaxListeners } from 'node:events';
import type { Consumer, JetStreamClient, JsMsg } from 'nats';
import { retryDelayMs, type ObjectOutcome, type RetryPolicy, type WorkItem } from '../../libs/domain/index.js';
import { boundedFetch, decodeJson } from '../../libs/nats/index.js';
import { classifyS3Error, type CopyRequest, type S3Endpoint, type S3Error, type createCopyEngine } from '../../libs/s3/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { OutcomeBatcher } from './outcomeBatcher.js';
import type { Slots } from './slots.js';

const FETCH_EXPIRES_MS = 1000;

export interface RunWorkerContext {
  js: JetStreamClient;
  consumer: Consumer;
  log: Logger;
  slots: Slots;
  engine: ReturnType<typeof createCopyEngine>;
  jobId: string;
  run: number;
  priority: number;
  concurrency: number;
  /** How often a copy in progress tells JetStream it still holds its item. */
  heartbeatMs: number;
  retry: RetryPolicy;
  source: S3Endpoint;
  sourceBucket: string;
  destination: S3Endpoint;
  destinationBucket: string;
  throttle?: (bytes: number) => Promise<void>;
  onOutcome?: (outcome: ObjectOutcome) => void;
  onRetry?: (code: string) => void;
}

/**
 * Copies the work items of one job run: fetches only as many items as it has free
 * slots (so buffered items never sit on the job's max_ack_pending), heartbeats long
 * copies, naks transient failures with the job's backoff so a waiting retry holds
 * no slot, and reports final outcomes through the batcher.
 */
export class RunWorker {
  private fetching = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly batcher: OutcomeBatcher;

  constructor(private readonly ctx: RunWorkerContext) {
    this.batcher = new OutcomeBatcher(ctx.js, ctx.jobId, ctx.run, ctx.log);
    // Every request of every copy in flight listens on this one signal (and removes itself when done).
    setMaxListeners(0, this.abort.signal);
  }

  /** Copies of this run in flight right now (for the in-flight gauge). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  resume(): void {
    if (this.fetching) return;
    this.fetching = true;
    this.loop = this.fetchLoop();
  }

  /** Stops taking new items; copies in flight finish and report. */
  async pause(): Promise<void> {
    this.fetching = false;
    await this.loop;
  }

  /** Stops for good: in-flight copies are abandoned; their items return to the stream. */
  async stop(): Promise<void> {
    this.fetching = false;
    this.abort.abort();
    await this.loop;
    await Promise.allSettled(this.inFlight);
    await this.batcher.close();
  }

  private async fetchLoop(): Promise<void> {
    const { slots, consumer, log, concurrency, priority } = this.ctx;
    while (this.fetching) {
      await slots.acquire(priority);
      const wanted = Math.max(1, Math.min(concurrency, concurrency - this.inFlight.size));
      const held = 1 + slots.tryAcquire(wanted - 1);
      let received = 0;
      try {
        if (!this.fetching) break;
        const batch = await boundedFetch(consumer, { max_messages: held, expires: FETCH_EXPIRES_MS });
        for await (const msg of batch) {
          received++;
          const work = this.process(msg).finally(() => {
            this.inFlight.delete(work);
            slots.release();
          });
          this.inFlight.add(work);
        }
      } catch (err) {
        if (this.fetching) log.warn({ job_id: this.ctx.jobId, run: this.ctx.run, err: String(err) }, 'fetching work failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        slots.release(held - received);
      }
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const { ctx } = this;
    const item = decodeJson<WorkItem>(msg.data);
    const attempt = msg.info.redeliveryCount;
    const started = Date.now();
    const heartbeat = setInterval(() => msg.working(), ctx.heartbeatMs);
    const base = { ordinal: item.ordinal, key: item.key, size: item.size, attempts: attempt };
    try {
      const request: CopyRequest = {
        source: ctx.source,
        sourceBucket: ctx.sourceBucket,
        destination: ctx.destination,
        destinationBucket: ctx.destinationBucket,
        key: item.key,
        size: item.size,
        etag: item.etag,
        signal: this.abort.signal,
        throttle: ctx.throttle,
      };
      await ctx.engine.copy(request);
      this.report({ ...base, result: 'copied', duration_ms: Date.now() - started }, msg);
    } catch (err) {
      if (this.abort.signal.aborted) return; // left unacked: redelivered to whoever serves the run next
      const failure = classifyS3Error(err);
      if (failure.code === 'NoSuchKey') {
        this.report({ ...base, result: 'skipped', error: 'object vanished from the source', duration_ms: Date.now() - started }, msg);
      } else if (failure.retryable && attempt <= ctx.retry.maxRetries) {
        ctx.onRetry?.(failure.code);
        this.batcher.noteRetry({ ordinal: item.ordinal, key: item.key, attempt, error: describeFailure(failure) });
        msg.nak(retryDelayMs(ctx.retry, attempt, Math.random()));
      } else {
        const error = describeFailure(failure);
        this.report({ ...base, result: 'failed', error, duration_ms: Date.now() - started }, msg, 'term');
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private report(outcome: ObjectOutcome, msg: JsMsg, ack: 'ack' | 'term' = 'ack'): void {
    this.ctx.onOutcome?.(outcome);
    this.batcher.add(outcome, msg, ack);
  }
}

/** The error text users see in the failed report: the spec's 'checksum mismatch', else the S3 code and message. */
function describeFailure(failure: S3Error): string {
  return failure.code === 'ChecksumMismatch' ? 'checksum mismatch' : `${failure.code}: ${failure.message}`;
}
