/** Keys a request is signed with; a session token and an expiry when they are temporary. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

import type { CredentialKind } from '../domain/credentialKind.js';
export { credentialKindOf, describeCredentialKind, type CredentialKind } from '../domain/credentialKind.js';

/** Refresh this long before expiry at most (past the 5 minutes within which the SDK chain fetches anew), and never later than half-way through the credentials' life. */
export const REFRESH_MARGIN_MS = 10 * 60_000;
/** After a failed refresh, try again this soon (the credentials in hand stay in use until they expire). */
export const REFRESH_RETRY_MS = 1_000;

/**
 * When to refresh credentials obtained at `obtainedAt`: `REFRESH_MARGIN_MS` before they expire, or half-way
 * through their life when that is shorter, so short-lived credentials are replaced while the old ones still work
 * and requests signed just before the rotation still arrive in time. Undefined for credentials that never expire.
 */
export function refreshAt(obtainedAt: number, expiration: Date | undefined): number | undefined {
  if (!expiration) return undefined;
  const expires = expiration.getTime();
  const life = Math.max(0, expires - obtainedAt);
  return expires - Math.min(REFRESH_MARGIN_MS, life / 2);
}

/** S3 (and RGW) codes of a request signed with credentials that have just been rotated out. */
const STALE_CREDENTIAL_CODES = new Set(['ExpiredToken', 'InvalidAccessKeyId', 'InvalidToken', 'TokenRefreshRequired', 'RequestExpired']);

export function isStaleCredentialCode(code: string | undefined): boolean {
  return code !== undefined && STALE_CREDENTIAL_CODES.has(code);
}

/** Told of each failed background refresh: `consecutive` counts the failures since the last success. */
export type RefreshFailureReporter = (kind: CredentialKind, err: unknown, consecutive: number) => void;

let reportRefreshFailure: RefreshFailureReporter | undefined;

/** Where failed background refreshes are reported (the process's log); a refresh a caller awaits throws to it instead. */
export function onBackgroundRefreshFailure(reporter: RefreshFailureReporter | undefined): void {
  reportRefreshFailure = reporter;
}

/**
 * Credentials that may change: resolved once, held as a plain value the signer reads without awaiting,
 * and refreshed in the background before they expire (see `refreshAt`). A caller that got a
 * stale-credential answer calls `refresh()` and retries; concurrent refreshes share one fetch.
 */
export class CredentialSource {
  private value: Credentials | undefined;
  private inFlight: Promise<Credentials> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failedRefreshes = 0;

  constructor(
    /** Stable for the endpoint's lifetime (it names SDK clients and keep-alive pools): never a secret. */
    readonly id: string,
    readonly kind: CredentialKind,
    private readonly fetchCredentials: () => Promise<Credentials>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The credentials in hand (undefined before the first `ready()`). */
  get current(): Credentials | undefined {
    return this.value;
  }

  /** The credentials, fetched the first time. Throws what the provider threw. */
  async ready(): Promise<Credentials> {
    return this.value ?? (await this.refresh());
  }

  /** Fetches new credentials (one fetch however many callers ask at once) and schedules the next refresh. */
  refresh(): Promise<Credentials> {
    if (!this.inFlight) {
      this.inFlight = this.fetchCredentials()
        .then((credentials) => {
          this.value = credentials;
          this.schedule(refreshAt(this.now(), credentials.expiration));
          return credentials;
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(at: number | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (at === undefined || this.closed) return;
    this.timer = setTimeout(() => {
      // A failed background refresh is reported and tried again soon; the credentials in hand stay in use meanwhile.
      this.refresh().then(
        () => {
          this.failedRefreshes = 0;
        },
        (err: unknown) => {
          reportRefreshFailure?.(this.kind, err, ++this.failedRefreshes);
          this.schedule(this.now() + REFRESH_RETRY_MS);
        },
      );
    }, Math.max(0, at - this.now()));
    this.timer.unref();
  }
}
