import { isActive, rangeOrdinalBase, type JobState, type ObjectOutcome } from '../../libs/domain/index.js';
import type { JobEventStore, PipelinedPublisher } from '../../libs/nats/index.js';
import { ListerOutcomes } from './listerOutcomes.js';
import { PublishWindow } from './publishWindow.js';

const MAX_PUBLISHES_IN_FLIGHT = 256;

/**
 * Where one run's listing stands as a lister walks it: the next ordinal, the bytes and last key (and
 * manifest row) so far, the publishes in flight and the outcomes it decides itself. Resumes from the
 * run's checkpoint; checkpoints every `checkpointInterval` objects, each only after every publish
 * before it has its PubAck, so a checkpoint never claims what was not stored.
 */
export class RunListing {
  private ordinal: number;
  private bytes: number;
  private lastKey: string;
  private manifestRows: number | undefined;
  private sinceCheckpoint = 0;
  private readonly window = new PublishWindow(MAX_PUBLISHES_IN_FLIGHT);
  private readonly outcomes: ListerOutcomes;

  /** Where the walk's ordinals start: 0, or a split run's range's base (listingRanges.ts). */
  private readonly base: number;

  /** `range`: the walk lists that range of a split run, and resumes from and checkpoints the range's own position. */
  constructor(
    private readonly ctx: { store: JobEventStore; publisher: PipelinedPublisher; checkpointInterval: number },
    private readonly state: JobState,
    label: 'skip' | 'verify' = 'skip',
    private readonly range?: number,
  ) {
    const position = range === undefined ? state.listing : state.listing.ranges![range]!;
    this.base = range === undefined ? 0 : rangeOrdinalBase(range);
    this.ordinal = this.base + position.listed_objects;
    this.bytes = position.listed_bytes;
    this.lastKey = position.start_after;
    this.manifestRows = state.definition?.manifest === undefined ? undefined : (state.listing.manifest_rows ?? 0);
    this.outcomes = new ListerOutcomes(state.job_id, state.run, async (subject, payload, msgID) => this.window.add(ctx.publisher.publish(subject, payload, msgID)), label);
  }

  /** The ordinal the next object gets. */
  get next(): number {
    return this.ordinal;
  }

  // publish, decided and advance answer a promise only when the caller must wait (a full window, a
  // batch or checkpoint being written), else undefined: a caller that awaits only then sends a page of
  // publishes without yielding, and the NATS client writes them to its socket together instead of one
  // write per message (an await of anything, undefined included, lets the client flush in between).

  /** Publishes a message (a work item) under the window of PubAcks outstanding. */
  publish(subject: string, payload: Uint8Array, msgID: string): Promise<void> | undefined {
    return this.window.add(this.ctx.publisher.publish(subject, payload, msgID));
  }

  /** Records an outcome the lister decided (the next ordinal's), batched. */
  decided(outcome: Omit<ObjectOutcome, 'ordinal'>): Promise<void> | undefined {
    return this.outcomes.add({ ...outcome, ordinal: this.ordinal });
  }

  /** The next ordinal was given to this object; checkpoints when the interval is reached. */
  advance(key: string, size: number, row?: number): Promise<void> | undefined {
    this.ordinal++;
    this.bytes += size;
    this.lastKey = key;
    if (row !== undefined) this.manifestRows = row;
    return ++this.sinceCheckpoint >= this.ctx.checkpointInterval ? this.checkpoint() : undefined;
  }

  /** A versions run: the next ordinal was given to one version of the key being walked; no checkpoint inside a key. */
  advanceVersion(size: number): void {
    this.ordinal++;
    this.bytes += size;
    this.sinceCheckpoint++;
  }

  /**
   * A versions run: every version of `key` has its ordinal; checkpoints when the interval is reached. Only here,
   * between keys: a listing resumed after `key` lists the next key's versions whole, so each gets its ordinal again.
   */
  keyDone(key: string): Promise<void> | undefined {
    this.lastKey = key;
    return this.sinceCheckpoint >= this.ctx.checkpointInterval ? this.checkpoint() : undefined;
  }

  /** Waits until every outcome and publish so far is stored. */
  async drain(): Promise<void> {
    await this.outcomes.flush();
    await this.window.drain();
  }

  async checkpoint(): Promise<void> {
    await this.drain();
    const { job_id, run } = this.state;
    const rows = this.manifestRows === undefined ? {} : { manifest_rows: this.manifestRows };
    await this.ctx.store.execute(job_id, {
      type: 'RecordListingCheckpoint',
      data: { job_id, run, listed_objects: this.ordinal - this.base, listed_bytes: this.bytes, start_after: this.lastKey, ...rows, ...this.rangeField() },
      metadata: { now: new Date().toISOString() },
    });
    this.sinceCheckpoint = 0;
  }

  /** The listing ended: everything stored, then its final total recorded. */
  async complete(): Promise<void> {
    await this.drain();
    const { job_id, run } = this.state;
    await this.ctx.store.execute(job_id, {
      type: 'CompleteListing',
      data: { job_id, run, total_objects: this.ordinal - this.base, total_bytes: this.bytes, ...this.rangeField() },
      metadata: { now: new Date().toISOString() },
    });
    if (this.range !== undefined) await endListingIfOwed(this.ctx.store, (await this.ctx.store.load(job_id)).state, run);
  }

  private rangeField(): { range?: number } {
    return this.range === undefined ? {} : { range: this.range };
  }
}

/**
 * Ends a split run's listing when every range is listed but the run's ListingCompleted is not logged: two
 * ranges ending at once on a replicated stream may each be decided as not the last (nats-server 2.9 accepts
 * both appends: ARCHITECTURE.md, "Concurrent appends on a replicated stream"), or a lister died between a
 * range's end and this. Asked again by a complete range, the decider owes the ListingCompleted.
 */
export async function endListingIfOwed(store: JobEventStore, state: JobState, run: number): Promise<void> {
  const ranges = state.listing.ranges;
  if (!state.exists || state.run !== run || !isActive(state.status) || state.listing.complete || !ranges?.every((r) => r.complete)) return;
  const { listed_objects, listed_bytes } = ranges[0]!;
  await store.execute(state.job_id, {
    type: 'CompleteListing',
    data: { job_id: state.job_id, run, total_objects: listed_objects, total_bytes: listed_bytes, range: 0 },
    metadata: { now: new Date().toISOString() },
  });
}
