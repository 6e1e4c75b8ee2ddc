import type { JetStreamClient } from 'nats';
import type { JobState } from '../../libs/domain/index.js';
import { publishRangeTasks, type JobEventStore } from '../../libs/nats/index.js';
import type { RetryOptions, S3Endpoint } from '../../libs/s3/index.js';
import { splitKeySpace } from '../../libs/selection/index.js';
import { EndpointListingError } from './endpointFailure.js';

/** `ranges`: how many to cut a run's key space into; `minPages`: a listing that ends within this many pages is left whole. */
export interface SplitSettings {
  ranges: number;
  minPages: number;
}

export interface SplitContext {
  js: JetStreamClient;
  store: JobEventStore;
  source: S3Endpoint;
  retry?: Omit<RetryOptions, 'signal'>;
  signal: AbortSignal;
}

/**
 * Cuts a run's listing into ranges that listers list at once (splitKeySpace), when the run lists its
 * source, has not begun, and holds more than `minPages` pages of keys; then asks listers for each range not yet
 * listed, as tasks of their own. Returns the number of ranges asked for, 0 when the run is listed whole.
 * Taken again after a crash, it asks again for the ranges not yet listed (repeats are duplicates).
 */
export async function splitRun(ctx: SplitContext, state: JobState, { ranges, minPages }: SplitSettings): Promise<number> {
  let { listing } = state;
  if (listing.ranges === undefined) {
    if (ranges < 2 || !splittable(state)) return 0;
    const definition = state.definition!;
    const boundaries = await splitKeySpace(ctx.source, definition.source_bucket, { prefix: definition.prefix, ranges, minPages, signal: ctx.signal, retry: ctx.retry }).catch((err: unknown) => {
      throw new EndpointListingError('source', ctx.source.endpoint, definition.source_bucket, err);
    });
    if (boundaries.length === 0) return 0;
    const split = await ctx.store.execute(state.job_id, { type: 'SplitListing', data: { job_id: state.job_id, run: state.run, boundaries }, metadata: { now: new Date().toISOString() } });
    // Refused (the run ended, or a listing of it began meanwhile): it is listed whole, as before.
    listing = split.state.listing;
    if (listing.ranges === undefined) return 0;
  }
  const open = listing.ranges.flatMap((range, index) => (range.complete ? [] : [index]));
  await publishRangeTasks(ctx.js, { job_id: state.job_id, run: state.run }, open);
  return open.length;
}

/** A plain copy run, not yet listed: retry-failed runs list failures, manifest runs read rows, verify runs compare both sides, versions runs list versions. */
function splittable(state: JobState): boolean {
  const { listing, definition } = state;
  const begun = listing.listed_objects > 0 || listing.start_after !== '' || listing.manifest_rows !== undefined;
  // A versions run is listed whole: its checkpoints fall between keys, and ranges would cut none of that short.
  return !begun && state.retry_of === undefined && state.run_kind === undefined && definition?.manifest === undefined && definition?.versions !== 'all';
}
