import type { KV as KeyValue } from 'nats';
import { decodeJson, encodeJson, isWrongLastSequence } from '../../libs/nats/index.js';

/** How much of the rate one grant covers: small enough to share fairly, large enough to keep KV traffic low. */
const SLICE_SECONDS = 0.1;
const MIN_SLICE_BYTES = 64 * 1024;
/** After losing a write to another copier: wait up to this, doubled per loss up to the cap, with jitter. */
const CONFLICT_BACKOFF_MS = 2;
const CONFLICT_BACKOFF_CAP_MS = 100;

interface BucketState {
  /** Tokens (bytes) left; negative is debt that later takers wait out. */
  tokens: number;
  /** Epoch ms of the last update. */
  at: number;
}

/**
 * A token bucket for one job shared by every copier process, kept in a KV entry and
 * updated with a revision check. A copier takes a slice (about 100 ms of the rate)
 * at a time and spends it locally chunk by chunk; when the bucket is in debt the
 * taker waits until its slice is paid for, so the job's bytes per second hold
 * however many copiers there are.
 */
export class SharedRateLimit {
  private allowance = 0;
  private refill: Promise<void> | undefined;
  private sliceBytes = MIN_SLICE_BYTES;

  constructor(
    private readonly kv: KeyValue,
    private readonly key: string,
    private bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.setRate(bytesPerSecond);
  }

  /** A new rate (UpdateJob): refills from now on are at it, in every copier that has been told. */
  setRate(bytesPerSecond: number): void {
    this.bytesPerSecond = bytesPerSecond;
    this.sliceBytes = Math.max(MIN_SLICE_BYTES, Math.round(bytesPerSecond * SLICE_SECONDS));
  }

  /**
   * Resolves when `bytes` may be sent; rejects as soon as `signal` aborts (a paused or cancelled run need not
   * wait out the bucket's debt, which at a low rate can be long). The grant itself goes on for the other takers.
   */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    while (this.allowance < bytes) {
      this.refill ??= this.grant(Math.max(bytes - this.allowance, this.sliceBytes)).finally(() => (this.refill = undefined));
      await (signal ? untilAborted(this.refill, signal) : this.refill);
    }
    this.allowance -= bytes;
  }

  private async grant(bytes: number): Promise<void> {
    for (let lost = 0; ; lost++) {
      const entry = await this.kv.get(this.key);
      const now = this.now();
      const previous: BucketState = entry && entry.length > 0 ? decodeJson<BucketState>(entry.value) : { tokens: this.sliceBytes, at: now };
      const refilled = Math.min(this.sliceBytes, previous.tokens + (this.bytesPerSecond * Math.max(0, now - previous.at)) / 1000);
      const next: BucketState = { tokens: refilled - bytes, at: now };
      try {
        if (entry) await this.kv.update(this.key, encodeJson(next), entry.revision);
        else await this.kv.create(this.key, encodeJson(next));
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
        // Another copier updated the bucket first: read it again, after a jittered pause so that many copiers spread out.
        const ceiling = Math.min(CONFLICT_BACKOFF_CAP_MS, CONFLICT_BACKOFF_MS * 2 ** lost);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
        continue;
      }
      // Unref'd: takers that stopped waiting (aborted) must not hold a stopping process open for the rest of the debt.
      if (next.tokens < 0) await new Promise((resolve) => setTimeout(resolve, (-next.tokens / this.bytesPerSecond) * 1000).unref());
      this.allowance += bytes;
      return;
    }
  }
}

/** The promise, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
