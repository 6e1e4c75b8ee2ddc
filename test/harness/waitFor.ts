/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs` with the last seen state. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface ProgressWait {
  /** Fail once the observed progress has not changed for this long (default 60 s). */
  stallMs?: number;
  /** Fail after this long in all, moving or not (default 15 min). */
  boundMs?: number;
  intervalMs?: number;
}

/**
 * Waits on work whose speed depends on the machine: polls until `poll` answers `done`, failing only
 * when the `progress` it answers (compared as JSON) has stood still for `stallMs`, or after the
 * generous `boundMs`. A slow machine that keeps moving is waited for; a stuck one fails.
 */
export async function waitForProgress<T>(
  what: string,
  poll: () => Promise<{ done?: T; progress: unknown }>,
  { stallMs = 60_000, boundMs = 900_000, intervalMs = 100 }: ProgressWait = {},
): Promise<T> {
  const started = Date.now();
  let movedAt = started;
  let seen: string | undefined;
  let last: unknown;
  for (;;) {
    try {
      const { done, progress } = await poll();
      if (done !== undefined) return done;
      const now = JSON.stringify(progress);
      if (now !== seen) {
        seen = now;
        movedAt = Date.now();
      }
      last = undefined;
    } catch (err) {
      last = err;
    }
    const now = Date.now();
    if (now - movedAt > stallMs || now - started > boundMs) {
      const why = now - started > boundMs ? `after ${Math.round(boundMs / 1000)} s` : `nothing moved for ${Math.round(stallMs / 1000)} s`;
      throw new Error(`timed out waiting for ${what} (${why}; last progress ${seen ?? 'none'})${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
