import { FerryError } from '../domain/errors.js';

/** Failed authentications one address may make in a burst before it is slowed. */
export const FAILED_AUTH_BURST = 10;
/** Then one more failure is allowed every this many ms (10 a minute). */
export const FAILED_AUTH_REFILL_MS = 6_000;
/** Addresses remembered at most; beyond it the longest-quiet ones are forgotten first. */
const MAX_ADDRESSES = 10_000;

interface Bucket {
  allowance: number;
  at: number;
}

/**
 * Slows guessing of API tokens: each address has a bucket of FAILED_AUTH_BURST failed
 * authentications, refilled one per FAILED_AUTH_REFILL_MS. While it is empty, every request
 * from the address is refused (429, with the seconds until the next is allowed) before its
 * token is looked at, so a guess made then learns nothing. Pure: time is passed in.
 */
export class FailedAuthLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly burst = FAILED_AUTH_BURST,
    private readonly refillMs = FAILED_AUTH_REFILL_MS,
  ) {}

  /** Seconds the address must wait before its next request is heard, or undefined when it may go on. */
  retryAfterSeconds(address: string, now: number): number | undefined {
    const bucket = this.refilled(address, now);
    if (!bucket || bucket.allowance >= 1) return undefined;
    return Math.max(1, Math.ceil(((1 - bucket.allowance) * this.refillMs) / 1000));
  }

  /** Counts a failed authentication from the address; true when this one used up its allowance. */
  failed(address: string, now: number): boolean {
    const bucket = this.refilled(address, now) ?? { allowance: this.burst, at: now };
    bucket.allowance = Math.max(0, bucket.allowance - 1);
    // Re-inserted, so the map's order is from the longest-quiet address to the latest.
    this.buckets.delete(address);
    this.buckets.set(address, bucket);
    if (this.buckets.size > MAX_ADDRESSES) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    return bucket.allowance < 1;
  }

  private refilled(address: string, now: number): Bucket | undefined {
    const bucket = this.buckets.get(address);
    if (!bucket) return undefined;
    bucket.allowance = Math.min(this.burst, bucket.allowance + Math.max(0, now - bucket.at) / this.refillMs);
    bucket.at = now;
    if (bucket.allowance >= this.burst) {
      this.buckets.delete(address);
      return undefined;
    }
    return bucket;
  }
}

/** A request refused because its address failed to authenticate too often (429 with Retry-After). */
export class TooManyFailedAuthentications extends FerryError {
  constructor(readonly retryAfterSeconds: number) {
    super('RESOURCE_EXHAUSTED', `too many failed authentications from this address; retry after ${retryAfterSeconds} s`);
  }
}
