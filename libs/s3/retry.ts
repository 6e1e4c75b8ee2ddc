import { setTimeout as delay } from 'node:timers/promises';
import { classifyS3Error, type S3Error } from './s3Error.js';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Delay before retry number `retry` (1-based), in place of the full-jitter exponential one (a job's retry policy). */
  delayMs?: (retry: number) => number;
  /** Told of each failed attempt that will be retried, before the wait. */
  onRetry?: (attempt: number, err: S3Error, waitMs: number) => void;
}

/** Runs `fn` until it succeeds or fails with a non-retryable S3Error; full-jitter exponential backoff. */
export async function withRetry<T>(fn: () => Promise<T>, { attempts = 6, baseDelayMs = 100, maxDelayMs = 5_000, signal, delayMs, onRetry }: RetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = classifyS3Error(err);
      if (!e.retryable || attempt >= attempts || signal?.aborted) throw e;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const wait = delayMs ? delayMs(attempt) : Math.random() * ceiling;
      onRetry?.(attempt, e, wait);
      await delay(wait, undefined, { signal });
    }
  }
}
