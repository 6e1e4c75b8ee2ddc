import { filterWithTags } from './filterWithTags.js';
import { compileFilter, type ListedFacts, type ObjectFilter } from './objectFilter.js';

/**
 * The whole selection for a run: the listing's own facts first, then tags, fetched
 * only for the objects still in and only when the filter names tags.
 */
export async function* selectObjects<T extends ListedFacts>(
  listing: AsyncIterable<T[]>,
  filter: ObjectFilter,
  fetchTags: (key: string) => Promise<Record<string, string>>,
  concurrency: number,
): AsyncGenerator<T[]> {
  const compiled = compileFilter(filter);
  const cheap = passCheap(listing, compiled.matchesCheap);
  yield* compiled.needsTags ? filterWithTags(cheap, fetchTags, compiled.matchesTags, concurrency) : cheap;
}

async function* passCheap<T extends ListedFacts>(listing: AsyncIterable<T[]>, matches: (obj: T) => boolean): AsyncGenerator<T[]> {
  for await (const page of listing) {
    const kept = page.filter(matches);
    if (kept.length > 0) yield kept;
  }
}
