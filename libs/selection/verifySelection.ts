import type { Difference, VerifyMode } from '../domain/index.js';
import { listObjects, type ListedObject, type S3Endpoint } from '../s3/index.js';
import { checkEtag, checkSize, compareChecksums, normalEtag, type CheckResult, type Checksums } from '../s3/objectChecks.js';
import { compareObjects, type ObjectSummary } from './compareWithDestination.js';
import { fetchTags as fetchObjectTags } from './fetchTags.js';
import { filterWithTags } from './filterWithTags.js';
import { joinListings, type JoinedObject } from './joinListings.js';
import { compileFilter, type ObjectFilter } from './objectFilter.js';
import { namingSide, type SelectionDefinition, type SelectOptions } from './selectObjects.js';

/** One key a verify run looks at: on the source (selected by the job's filters), the destination, or both. */
export type VerifyEntry<T extends ObjectSummary = ListedObject> = JoinedObject<T, ObjectSummary>;

/** What a verify run finds for one key; `failed`: it could not be checked (a HEAD failed, no checksums to compare). */
export type Verdict = { result: 'matched' } | { result: Difference | 'failed'; detail: string };

/**
 * The keys a verify run classifies, in key order: the source listed under the job's prefix and joined with
 * the destination listed under it (a full outer merge-walk). The job's other filters (sizes, dates, tags)
 * select source objects as in a copy run; a key whose source object they leave out is not looked at, on
 * either side. So `extra` means "the destination has this key under the prefix and the source has no
 * object by that name", never "the source has it, but the job does not copy it". Filters are not applied
 * to destination objects themselves: their dates are copy times, and their tags would cost a request each.
 */
export function verifySelection(source: S3Endpoint, destination: S3Endpoint, definition: SelectionDefinition, opts: SelectOptions = {}): AsyncGenerator<VerifyEntry[]> {
  const listing = (side: 'source' | 'destination', endpoint: S3Endpoint, bucket: string) =>
    namingSide(side, bucket, listObjects(endpoint, bucket, { prefix: definition.prefix, startAfter: opts.startAfter || undefined, signal: opts.signal, retry: opts.retry }));
  return verifyFromListings(
    listing('source', source, definition.source_bucket),
    listing('destination', destination, definition.destination_bucket),
    definition,
    (key) => fetchObjectTags(source, definition.source_bucket, key),
    opts.tagConcurrency ?? 16,
  );
}

/** Stands for the tags of a key the source lacks: such a key passes the tag filter untouched. */
const DESTINATION_ONLY: Record<string, string> = Object.freeze({});

/** verifySelection over listings already opened; pure apart from `fetchTags`. */
export async function* verifyFromListings<T extends ObjectSummary>(
  source: AsyncIterable<T[]>,
  destination: AsyncIterable<ObjectSummary[]>,
  filter: ObjectFilter,
  fetchTags: (key: string) => Promise<Record<string, string>>,
  tagConcurrency: number,
): AsyncGenerator<Array<VerifyEntry<T>>> {
  const compiled = compileFilter(filter);
  const destinationOnly = new Set<string>();
  async function* cheap(): AsyncGenerator<Array<VerifyEntry<T>>> {
    for await (const page of joinListings(source, destination)) {
      const kept = page.filter((e) => e.source === undefined || compiled.matchesCheap(e.source));
      if (compiled.needsTags) for (const e of kept) if (e.source === undefined) destinationOnly.add(e.key);
      if (kept.length > 0) yield kept;
    }
  }
  if (!compiled.needsTags) {
    yield* cheap();
    return;
  }
  const tagsOf = (key: string) => (destinationOnly.delete(key) ? Promise.resolve(DESTINATION_ONLY) : fetchTags(key));
  yield* filterWithTags(cheap(), tagsOf, (tags) => tags === DESTINATION_ONLY || compiled.matchesTags(tags), tagConcurrency);
}

/**
 * Classifies a key from the two listings: missing, extra, or (on both sides) compared by the job's verify
 * mode: `size`, `etag` (the listed ETags must be equal; written in different parts they cannot be compared,
 * and the key fails as not verifiable), or without a mode as a copy run decides what to skip (compareObjects: size and
 * ETag, the destination's date where ETags say nothing). `checksum` needs a HEAD of each side: undefined.
 */
export function classifyListed(entry: VerifyEntry<ObjectSummary>, mode: VerifyMode | undefined): Verdict | undefined {
  if (entry.destination === undefined) return { result: 'missing', detail: 'not at the destination' };
  if (entry.source === undefined) return { result: 'extra', detail: 'at the destination only' };
  const { source, destination } = entry;
  switch (mode) {
    case undefined:
      if (compareObjects(source, destination) === 'identical') return { result: 'matched' };
      return verdictOf(source.size === destination.size ? checkEtag(source.etag, { etag: normalEtag(destination.etag) }) : checkSize(source.size, destination.size));
    case 'size':
      return verdictOf(checkSize(source.size, destination.size));
    case 'etag':
      return verdictOf(checkEtag(source.etag, { etag: normalEtag(destination.etag) }));
    case 'checksum':
      return undefined;
    default: {
      const exhaustive: never = mode;
      throw new Error(`unknown verify mode ${String(exhaustive)}`);
    }
  }
}

/** A key on both sides compared by the checksums a HEAD of each gave; absent side: it vanished since the listing. */
export function classifyChecksums(source: Checksums | undefined, destination: Checksums | undefined): Verdict {
  if (destination === undefined) return { result: 'missing', detail: 'deleted from the destination during the verification' };
  if (source === undefined) return { result: 'extra', detail: 'deleted from the source during the verification' };
  const check = compareChecksums(source, destination);
  if (check.ok) return { result: 'matched' };
  return check.comparable ? { result: 'differing', detail: check.detail } : { result: 'failed', detail: check.detail };
}

/** A check that could not compare the two sides is a key that could not be verified (failed), not a difference. */
function verdictOf(check: CheckResult): Verdict {
  if (check.ok) return { result: 'matched' };
  return check.comparable ? { result: 'differing', detail: check.detail } : { result: 'failed', detail: check.detail };
}
