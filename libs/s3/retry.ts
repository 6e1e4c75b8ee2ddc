import { setTimeout as delay } from 'node:timers/promises';
import { classifyS3Error } from './s3Error.js';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
}

/** Runs `fn` until it succeeds or fails with a non-retryable S3Error; full-jitter exponential backoff. */
export async function withRetry<T>(fn: () => Promise<T>, { attempts = 6, baseDelayMs = 100, maxDelayMs = 5_000, signal }: RetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = classifyS3Error(err);
      if (!e.retryable || attempt >= attempts || signal?.aborted) throw e;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await delay(Math.random() * ceiling, undefined, { signal });
    }
  }
}
