/** Exponential backoff with jitter: attempt 1 waits about `baseMs`, each later one twice as long, capped; jitter in [50%, 100%]. */
export function retryDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + 0.5 * random()));
}
