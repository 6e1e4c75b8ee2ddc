import { keysAfter, listCommonPrefixes, listObjects, type ListOptions, type S3Endpoint } from '../s3/index.js';
import { boundariesFromSamples, evenlyPicked, keyPosition, keysBetween, positionString, probePositions, type Sample } from './keyRanges.js';
import { compareKeys } from './keyOrder.js';
import { mapInOrder } from './mapInOrder.js';

/** Pages of common prefixes read at most: enough to cut by prefix, few enough to stay a quick step. */
const MAX_PREFIX_PAGES = 10;
/** Bisection steps finding where the keys end, at most: each halves what is left above the last key seen. */
const MAX_END_SEARCH_STEPS = 64;
/** The end search stops when what is left above the last key seen is this share of the space below it. */
const END_SLACK = 0.02;
/** Keys read by each probe: enough to count a sparse stretch exactly, little enough to cost a round trip only. */
const PROBE_PAGE = 100;
/** Probes per range, first evenly and then where keys are dense, at most. */
const FIRST_PROBES_PER_RANGE = 4;
const MAX_PROBES_PER_RANGE = 16;
const PROBES_IN_FLIGHT = 16;
/** Probes closer than this are at the same probe string. */
const MIN_PROBE_GAP = 1e-13;

export interface SplitOptions {
  prefix?: string;
  /** How many ranges to cut the key space into (at most). */
  ranges: number;
  /** A key space whose listing ends within this many pages is left whole (1 when not given). */
  minPages?: number;
  signal?: AbortSignal;
  retry?: ListOptions['retry'];
}

/**
 * Where to cut a bucket's key space (under the job's prefix) so that several listers can list it at
 * once: the boundaries of `rangesFromBoundaries` (libs/domain/listingRanges.ts), or none when the space
 * is `minPages` pages of keys or less. Finding the cuts takes a few dozen LIST requests, a score of them
 * one after another, so a listing of a few pages is over sooner listed whole.
 *
 * By common prefixes first: the bucket's "directories" under the prefix, picked evenly, when there are
 * at least as many as ranges. Otherwise by sampling: the end of the key space is found by bisection,
 * probes spread evenly over it each read a short page of the keys after them, and the stretches between
 * probes whose pages did not reach the next probe (dense ones) are probed again in the middle, until the
 * probe budget is spent. Ranges are then cut at probes so each holds about as many keys as the samples
 * tell. A probe costs a page round trip, so probes run in parallel.
 */
export async function splitKeySpace(endpoint: S3Endpoint, bucket: string, opts: SplitOptions): Promise<string[]> {
  const prefix = opts.prefix ?? '';
  const request = { prefix, signal: opts.signal, retry: opts.retry };
  if (opts.ranges < 2) return [];
  const firstPage = await firstPageOfLonger(endpoint, bucket, request, opts.minPages ?? 1);
  if (firstPage === undefined) return [];
  const first = firstPage[0]!;
  const last = firstPage[firstPage.length - 1]!;

  const { prefixes } = await listCommonPrefixes(endpoint, bucket, { ...request, delimiter: '/', maxPages: MAX_PREFIX_PAGES });
  if (prefixes.length >= opts.ranges) return evenlyPicked(prefixes, opts.ranges);

  // Positions are read after the prefix every key shares, so keys that differ only deep into their
  // names (obj/0000000000 to obj/0000099999) still spread over [0, 1): a position is a double, and
  // read from the job's prefix those keys would all stand at one place.
  const base = await commonBase(endpoint, bucket, request, prefix, first);
  const high = await endOfKeySpace(endpoint, bucket, request, base, last);
  const sample = async (position: number, probe = base + positionString(position)): Promise<Sample> => ({
    probe,
    position,
    ...(await keysAfter(endpoint, bucket, { ...request, startAfter: probe, pageSize: PROBE_PAGE })),
  });
  const low = keyPosition(last.slice(base.length));
  const budget = opts.ranges * MAX_PROBES_PER_RANGE;
  const probed = await mapInOrder(probePositions(low, high, opts.ranges * FIRST_PROBES_PER_RANGE), PROBES_IN_FLIGHT, (p) => sample(p));
  let samples = ascendingProbes([...firstPageSamples(firstPage, base), await sample(low, last), ...probed]);
  while (samples.length < budget) {
    const dense = samples.flatMap((s, i) => {
      const next = samples[i + 1];
      return next !== undefined && keysBetween(s, next) === undefined && next.position - s.position > MIN_PROBE_GAP ? [(s.position + next.position) / 2] : [];
    });
    if (dense.length === 0) break;
    const added = await mapInOrder(dense.slice(0, budget - samples.length), PROBES_IN_FLIGHT, (p) => sample(p));
    samples = ascendingProbes([...samples, ...added].sort((x, y) => x.position - y.position));
  }
  return boundariesFromSamples(samples, opts.ranges, 1, PROBE_PAGE);
}

/**
 * The keys of the first page when the listing runs past `pages` pages (else undefined: listed whole). Only
 * the first page is sampled, as the probes sample the rest: the cuts weigh each stretch by the keys seen in
 * it, and a long stretch read whole would outweigh the probed ones, which count a page at most.
 */
async function firstPageOfLonger(endpoint: S3Endpoint, bucket: string, request: ListOptions, pages: number): Promise<string[] | undefined> {
  let first: string[] | undefined;
  let read = 0;
  for await (const page of listObjects(endpoint, bucket, request)) {
    if (read === pages) return first;
    first ??= page.map(({ key }) => key);
    read++;
  }
  return undefined;
}

/** Samples read off the first page itself, every PROBE_PAGE keys, so its keys can be cut into ranges too. */
function firstPageSamples(keys: readonly string[], base: string): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < keys.length - 1; i += PROBE_PAGE) {
    samples.push({ probe: keys[i]!, position: keyPosition(keys[i]!.slice(base.length)), keys: keys.slice(i + 1, i + 1 + PROBE_PAGE), truncated: true });
  }
  return samples;
}

/** Sorts after every key that starts with what it follows (S3 orders keys by their UTF-8 bytes; U+10FFFF's are the greatest). */
const PAST_EVERY_SUFFIX = '\u{10FFFF}'.repeat(4);

/**
 * The longest start of `first` (the least key) that every key under `prefix` shares: a start is shared
 * when no key sorts past it followed by the greatest characters. Found by bisection over its length, a
 * probe of one key each.
 */
async function commonBase(endpoint: S3Endpoint, bucket: string, request: ListOptions, prefix: string, first: string): Promise<string> {
  const chars = Array.from(first); // code points: a start never cuts a surrogate pair
  let shared = Array.from(prefix).length;
  let notShared = chars.length + 1;
  while (notShared - shared > 1) {
    const length = Math.floor((shared + notShared) / 2);
    const start = chars.slice(0, length).join('');
    const [past] = (await keysAfter(endpoint, bucket, { ...request, startAfter: start + PAST_EVERY_SUFFIX, pageSize: 1 })).keys;
    if (past === undefined) shared = length;
    else notShared = length;
  }
  return chars.slice(0, shared).join('');
}

/**
 * A position (after `base`) past every key, found by bisection above the last key seen until the space
 * left above it is small beside the space the keys span.
 */
async function endOfKeySpace(endpoint: S3Endpoint, bucket: string, request: ListOptions, base: string, from: string): Promise<number> {
  const low = keyPosition(from.slice(base.length));
  let seen = low;
  let high = 1;
  for (let step = 0; step < MAX_END_SEARCH_STEPS && high - seen > Math.max(MIN_PROBE_GAP, (seen - low) * END_SLACK); step++) {
    const middle = (seen + high) / 2;
    const [key] = (await keysAfter(endpoint, bucket, { ...request, startAfter: base + positionString(middle), pageSize: 1 })).keys;
    if (key === undefined) {
      high = middle;
      continue;
    }
    seen = Math.min(high, Math.max(middle, keyPosition(key.slice(base.length))));
  }
  return high;
}

/** Samples in position order with probes strictly ascending in key order (a probe string may repeat at close positions). */
function ascendingProbes(samples: readonly Sample[]): Sample[] {
  const kept: Sample[] = [];
  for (const s of samples) if (kept.length === 0 || compareKeys(s.probe, kept[kept.length - 1]!.probe) > 0) kept.push(s);
  return kept;
}
