import type { RangeCount } from './events.js';

/**
 * One range of a split listing (ListingSplit): the keys after `start_after` up to and including
 * `through` (every key after it, for the last range). `start_after` moves forward with each checkpoint.
 */
export interface ListingRange {
  start_after: string;
  through?: string;
  listed_objects: number;
  listed_bytes: number;
  complete: boolean;
}

/**
 * Ordinals per range: range i numbers its objects from i × 2^36 (68 billion each, 131,072 ranges within
 * a safe integer), so ranges listed at once never share an ordinal, and ordinal order is key order.
 */
export const RANGE_ORDINAL_SPAN = 2 ** 36;

export const rangeOrdinalBase = (index: number): number => index * RANGE_ORDINAL_SPAN;

/** The ranges boundaries b1 < b2 < … cut: up to and including b1, after b1 through b2, …, after the last. */
export function rangesFromBoundaries(boundaries: readonly string[]): ListingRange[] {
  return [...boundaries, undefined].map((through, i) => ({
    start_after: i === 0 ? '' : boundaries[i - 1]!,
    ...(through === undefined ? {} : { through }),
    listed_objects: 0,
    listed_bytes: 0,
    complete: false,
  }));
}

/** A range's counts after a checkpoint or its end, and the run's listed totals with them. */
export function withRangeCount(ranges: readonly ListingRange[], count: RangeCount, patch: Partial<ListingRange>): { ranges: ListingRange[]; listed_objects: number; listed_bytes: number } {
  const next = ranges.map((range, i) => (i === count.index ? { ...range, ...patch, listed_objects: count.listed_objects, listed_bytes: count.listed_bytes } : range));
  return {
    ranges: next,
    listed_objects: next.reduce((sum, range) => sum + range.listed_objects, 0),
    listed_bytes: next.reduce((sum, range) => sum + range.listed_bytes, 0),
  };
}
