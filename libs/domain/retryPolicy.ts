import type { RetryBackoff } from './jobDefinition.js';

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
