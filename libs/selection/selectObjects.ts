import { listObjects, type ListedObject, type RetryOptions, type S3Endpoint } from '../s3/index.js';
import { compareWithDestination, mayBeThisRunsCopy, type ObjectSummary } from './compareWithDestination.js';
import { fetchTags } from './fetchTags.js';
import { filterWithTags } from './filterWithTags.js';
import { BucketListingError } from './listingError.js';
import { upThrough } from './keyRanges.js';
import { compileFilter, type ListedFacts, type ObjectFilter } from './objectFilter.js';

/**
 * What a run does with a selected object: copy it, count it skipped (already identical at the
 * destination, or, from a manifest, not at the source), or count it failed without trying (a
 * manifest row naming nothing Ferry can copy).
 */
export type SelectionAction = 'copy' | 'skip' | 'fail';

export interface SelectedObject<T extends ObjectSummary = ListedObject> {
  object: T;
  action: SelectionAction;
  /** Why an object is skipped or failed without a copy, where it is not the usual "identical at the destination". */
  error?: string;
  /** The manifest row it came from (a run reading a manifest checkpoints rows read). */
  row?: number;
}

/** The parts of a job definition that decide what a run copies. */
export interface SelectionDefinition extends ObjectFilter {
  source_bucket: string;
  destination_bucket: string;
}

export interface SelectOptions {
  /** Resume after this key (a run's checkpoint); both listings start there. */
  startAfter?: string;
  /** The last key of the run's range (keyRanges.ts): both listings stop after it. */
  through?: string;
  signal?: AbortSignal;
  /** Tag requests in flight at once, when the filter names tags. */
  tagConcurrency?: number;
  /** How a failed listing request is retried (the run's retry policy); withRetry's default otherwise. */
  retry?: Omit<RetryOptions, 'signal'>;
  /** When the run began (ISO 8601): identical objects written to the destination since are queued, not skipped (mayBeThisRunsCopy). */
  runStartedAt?: string;
}

const DEFAULT_TAG_CONCURRENCY = 16;

/**
 * The one selection of a run, used by the lister and by the dry run alike: the source listed
 * in key order, filtered, then compared with the destination listed in step. Pages of
 * selected objects, each to copy or to skip. A listing that cannot be read is thrown as a
 * BucketListingError naming its side.
 */
export function selectObjects(
  source: S3Endpoint,
  destination: S3Endpoint,
  definition: SelectionDefinition,
  opts: SelectOptions = {},
): AsyncGenerator<SelectedObject[]> {
  const listing = (side: 'source' | 'destination', endpoint: S3Endpoint, bucket: string) =>
    namingSide(side, bucket, upThrough(listObjects(endpoint, bucket, { prefix: definition.prefix, startAfter: opts.startAfter || undefined, signal: opts.signal, retry: opts.retry }), opts.through));
  return selectFromListings(
    listing('source', source, definition.source_bucket),
    listing('destination', destination, definition.destination_bucket),
    definition,
    (key) => fetchTags(source, definition.source_bucket, key),
    opts.tagConcurrency ?? DEFAULT_TAG_CONCURRENCY,
    opts.runStartedAt,
  );
}

/**
 * The selection over listings already opened: the listing's own facts first, then tags (fetched
 * only for the objects still in, and only when the filter names tags), then the comparison with
 * the destination. Pure apart from `fetchTags`; emptied pages are not yielded.
 */
export async function* selectFromListings<T extends ObjectSummary>(
  source: AsyncIterable<T[]>,
  destination: AsyncIterable<ObjectSummary[]>,
  filter: ObjectFilter,
  fetchTags: (key: string) => Promise<Record<string, string>>,
  tagConcurrency: number,
  runStartedAt?: string,
): AsyncGenerator<SelectedObject<T>[]> {
  const compiled = compileFilter(filter);
  const cheap = passCheap(source, compiled.matchesCheap);
  const selected = compiled.needsTags ? filterWithTags(cheap, fetchTags, compiled.matchesTags, tagConcurrency) : cheap;
  for await (const page of compareWithDestination(selected, destination)) {
    yield page.map(({ object, comparison, destination }) => ({
      object,
      action: comparison === 'identical' && !mayBeThisRunsCopy(destination!, runStartedAt) ? 'skip' : 'copy',
    }));
  }
}

async function* passCheap<T extends ListedFacts>(listing: AsyncIterable<T[]>, matches: (obj: T) => boolean): AsyncGenerator<T[]> {
  for await (const page of listing) {
    const kept = page.filter(matches);
    if (kept.length > 0) yield kept;
  }
}

/** A listing whose failure is thrown as a BucketListingError naming its side. */
export async function* namingSide<T>(side: 'source' | 'destination', bucket: string, pages: AsyncGenerator<T[]>): AsyncGenerator<T[]> {
  try {
    yield* pages;
  } catch (err) {
    throw new BucketListingError(side, bucket, err);
  }
}
