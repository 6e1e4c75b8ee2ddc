import { MARK_EVERY_BYTES } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';

/**
 * Marks the events stream's blocks as a job's outcome batches are folded: one marker after every
 * `everyBytes` of them (libs/nats/blockMarkers.ts says why). Only once the projector has caught up
 * with the log, so replaying history publishes none.
 */
export class BlockMarking {
  private readonly unmarkedBytes = new Map<string, number>();

  constructor(
    private readonly publish: (jobId: string, atSeq: number) => Promise<unknown>,
    private readonly live: () => boolean,
    private readonly log: Logger,
    private readonly everyBytes = MARK_EVERY_BYTES,
  ) {}

  outcomesFolded(jobId: string, bytes: number, seq: number): void {
    const unmarked = (this.unmarkedBytes.get(jobId) ?? 0) + bytes;
    if (unmarked < this.everyBytes) {
      this.unmarkedBytes.set(jobId, unmarked);
      return;
    }
    this.unmarkedBytes.set(jobId, 0);
    if (!this.live()) return;
    // A missing marker only leaves its block to a neighbour's marker, or on disk until its run is compacted.
    this.publish(jobId, seq).catch((err: unknown) => this.log.warn({ job_id: jobId, err: String(err) }, 'block marker not published'));
  }

  forget(jobId: string): void {
    this.unmarkedBytes.delete(jobId);
  }
}
