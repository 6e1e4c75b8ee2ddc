import { parseDurationMs } from './duration.js';
import type { JobDefinition, RetryBackoff } from './jobDefinition.js';

export interface RetryPolicy {
  maxRetries: number;
  delayMs: number;
  backoff: RetryBackoff;
}

const MAX_DELAY_MS = 10 * 60_000;

/**
 * Delay before retry number `retry` (1-based). `random` in [0,1) is passed in so the
 * jitter (up to 20% either way) stays testable.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: number): number {
  const base =
    policy.backoff === 'fixed' ? policy.delayMs : policy.backoff === 'linear' ? policy.delayMs * retry : policy.delayMs * 2 ** (retry - 1);
  const jitter = 1 + (random * 2 - 1) * 0.2;
  return Math.min(MAX_DELAY_MS, Math.max(0, Math.round(base * jitter)));
}

/** A job's retry policy: its own max_retries, retry_delay and retry_backoff, else the configured defaults. */
export function retryPolicyOf(definition: JobDefinition, defaults: { maxRetries: number; retryDelayMs: number }): RetryPolicy {
  return {
    maxRetries: definition.max_retries ?? defaults.maxRetries,
    delayMs: definition.retry_delay ? parseDurationMs(definition.retry_delay)! : defaults.retryDelayMs,
    backoff: definition.retry_backoff ?? 'exponential',
  };
}
