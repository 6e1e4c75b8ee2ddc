import { listObjects, type ListedObject, type S3Endpoint } from '../s3/index.js';
import type { ObjectSummary } from './compareWithDestination.js';
import { fetchTags } from './fetchTags.js';
import { filterWithTags } from './filterWithTags.js';
import { joinListings } from './joinListings.js';
import { BucketListingError } from './listingError.js';
import { compileFilter, type ObjectFilter } from './objectFilter.js';
import { namingSide, type SelectionDefinition, type SelectOptions } from './selectObjects.js';

/** What a walk for extraneous objects saw, filled in as it goes (final once the walk ends). */
export interface ExtraneousTally {
  /** Source objects under the prefix, unfiltered: the empty-source safeguard reads this. */
  source_objects: number;
  /** Destination objects inside the selection (prefix, size and date filters): what max_delete's percentage is of. */
  destination_objects: number;
}

export const emptyTally = (): ExtraneousTally => ({ source_objects: 0, destination_objects: 0 });

/**
 * The destination objects a mirror deletes, in key order: keys the source listing (under the prefix,
 * unfiltered: an object the source still has is never extraneous, whatever its tags) does not have,
 * and whose own facts pass the job's filters. Size and date bounds are read from the destination's
 * listing, tags from the destination object (fetched only for the candidates), so a mirror with
 * min_size never deletes the small objects it would never have copied.
 */
export async function* extraneousFromListings<D extends ObjectSummary>(
  source: AsyncIterable<Array<{ key: string }>>,
  destination: AsyncIterable<D[]>,
  filter: ObjectFilter,
  fetchDestinationTags: (key: string) => Promise<Record<string, string>>,
  tagConcurrency: number,
  tally: ExtraneousTally,
): AsyncGenerator<D[]> {
  const compiled = compileFilter(filter);
  async function* destinationOnly(): AsyncGenerator<D[]> {
    for await (const page of joinListings(source, destination)) {
      const out: D[] = [];
      for (const joined of page) {
        if (joined.source !== undefined) tally.source_objects++;
        if (joined.destination === undefined || !compiled.matchesCheap(joined.destination)) continue;
        tally.destination_objects++;
        if (joined.source === undefined) out.push(joined.destination);
      }
      if (out.length > 0) yield out;
    }
  }
  const candidates = destinationOnly();
  yield* compiled.needsTags ? filterWithTags(candidates, fetchDestinationTags, compiled.matchesTags, tagConcurrency) : candidates;
}

/** extraneousFromListings over the job's two buckets, both listed under the prefix (after `startAfter` when resuming). */
export function extraneousObjects(
  source: S3Endpoint,
  destination: S3Endpoint,
  definition: SelectionDefinition,
  tally: ExtraneousTally,
  opts: SelectOptions = {},
): AsyncGenerator<ListedObject[]> {
  const listing = (side: 'source' | 'destination', endpoint: S3Endpoint, bucket: string) =>
    namingSide(side, bucket, listObjects(endpoint, bucket, { prefix: definition.prefix, startAfter: opts.startAfter || undefined, signal: opts.signal, retry: opts.retry }));
  return extraneousFromListings(
    listing('source', source, definition.source_bucket),
    listing('destination', destination, definition.destination_bucket),
    definition,
    // A tag request that fails is the destination's failure, as its listing's would be.
    async (key) => {
      try {
        return await fetchTags(destination, definition.destination_bucket, key);
      } catch (err) {
        throw new BucketListingError('destination', definition.destination_bucket, err);
      }
    },
    opts.tagConcurrency ?? 16,
    tally,
  );
}
