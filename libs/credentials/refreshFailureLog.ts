import type { Logger } from '../log/logger.js';
import { onBackgroundRefreshFailure, REFRESH_RETRY_MS } from '../s3/credentials.js';

/** One line a minute while a refresh keeps failing (it is retried every REFRESH_RETRY_MS), not one a second. */
const LOG_EVERY = Math.max(1, Math.round(60_000 / REFRESH_RETRY_MS));

/** Logs the process's failed background credential refreshes: the first of a run of failures, then one a minute. */
export function logCredentialRefreshFailures(log: Logger): void {
  onBackgroundRefreshFailure((kind, err, consecutive) => {
    if (consecutive !== 1 && consecutive % LOG_EVERY !== 0) return;
    log.warn(
      { credential_kind: kind.type, failures: consecutive, err: err instanceof Error ? err.message : String(err) },
      'refreshing credentials in the background failed; retrying while the credentials in hand last',
    );
  });
}
