import { destinationWideFailure, type S3Error } from '../../libs/s3/s3Error.js';

/** Consecutive destination-wide failures after which a run is failed as a whole. */
export const DEFAULT_BREAKER_THRESHOLD = 50;

/**
 * Decides when a run's destination refuses every write (full, denied, bad credentials, no bucket),
 * so a huge job fails with the reason instead of failing its objects one by one. One breaker per job
 * run in a copier: it counts final failures with a destination-wide code since the streak began,
 * other failures leave the count as it is (they say nothing about the destination), and a copied
 * object resets it only if its copy began after the streak did.
 *
 * That last rule is what makes the count independent of the order copies end in: an object whose
 * write began before the destination started refusing may finish (copied) after any number of
 * refusals, and says nothing about the destination now. So once every write begun from some moment
 * on is refused, the breaker trips at exactly the threshold-th refusal, whatever the interleaving.
 * Copies take a ticket from `begin()` when they start and hand it back with their outcome.
 */
export class DestinationBreaker {
  /** A logical clock: ticks at every begun copy and at every streak start. */
  private clock = 0;
  private consecutive = 0;
  /** The clock when the current streak's first refusal was recorded (Infinity: no streak). */
  private streakBegan = Infinity;
  private tripped = false;

  constructor(readonly threshold = DEFAULT_BREAKER_THRESHOLD) {
    if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`breaker threshold must be a positive integer, got ${threshold}`);
  }

  /** A copy begins: answers its ticket. */
  begin(): number {
    return ++this.clock;
  }

  /** The copy that began with `ticket` copied its object. */
  succeeded(ticket: number): void {
    if (ticket < this.streakBegan) return;
    this.consecutive = 0;
    this.streakBegan = Infinity;
  }

  /** Records an object's final failure; answers the run's error the one time this failure trips the breaker. */
  failed(failure: S3Error): string | undefined {
    const kind = destinationWideFailure(failure);
    if (!kind) return undefined;
    if (this.consecutive === 0) this.streakBegan = ++this.clock;
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
    this.streakBegan = Infinity;
  }
}
