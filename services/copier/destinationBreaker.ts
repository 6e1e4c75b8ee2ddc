import { destinationWideFailure, type S3Error } from '../../libs/s3/s3Error.js';

/** Consecutive destination-wide failures after which a run is failed as a whole. */
export const DEFAULT_BREAKER_THRESHOLD = 50;

/**
 * Decides when a run's destination refuses every write (full, denied, bad credentials, no bucket),
 * so a huge job fails with the reason instead of failing its objects one by one. One breaker per job
 * run in a copier: it counts consecutive final failures with a destination-wide code, any copied
 * object resets the count, and other failures leave it as it is (they say nothing about the destination).
 */
export class DestinationBreaker {
  private consecutive = 0;
  private tripped = false;

  constructor(readonly threshold = DEFAULT_BREAKER_THRESHOLD) {
    if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`breaker threshold must be a positive integer, got ${threshold}`);
  }

  succeeded(): void {
    this.consecutive = 0;
  }

  /** Records an object's final failure; answers the run's error the one time this failure trips the breaker. */
  failed(failure: S3Error): string | undefined {
    const kind = destinationWideFailure(failure);
    if (!kind) return undefined;
    this.consecutive++;
    if (this.tripped || this.consecutive < this.threshold) return undefined;
    this.tripped = true;
    const what = kind === 'full' ? 'destination full' : 'destination refused writes';
    return `${what}: ${failure.code} (${this.consecutive} consecutive objects)`;
  }

  /** Arms the breaker again after failing the run did not go through, so the next streak tries again. */
  rearm(): void {
    this.tripped = false;
    this.consecutive = 0;
  }
}
