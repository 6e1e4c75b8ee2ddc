import { compareKeys } from './keyOrder.js';

// A job's key space is cut into ranges at boundaries (libs/domain/listingRanges.ts): strings, not
// necessarily keys, so any ascending boundaries cut it exactly. Here: choosing them, and listing a range.

/** `count - 1` boundaries picked evenly from sorted candidates (fewer when there are fewer candidates). */
export function evenlyPicked(candidates: readonly string[], count: number): string[] {
  const picked: string[] = [];
  for (let i = 1; i < count; i++) {
    const candidate = candidates[Math.floor((i * candidates.length) / count)];
    if (candidate !== undefined && (picked.length === 0 || compareKeys(picked[picked.length - 1]!, candidate) < 0)) picked.push(candidate);
  }
  return picked;
}

// Key positions: a key (after a base the whole key space shares) read as a fraction in [0, 1), its characters as digits of
// printable ASCII. Probe strings are made from positions, so they are printable (S3 echoes start-after in
// its XML answer, which cannot carry control characters). Keys outside that alphabet are clamped: the
// mapping stays close to key order, and only the split's balance depends on it, never its correctness.
const FIRST = 0x20;
const RADIX = 95;
const DIGITS = 7;

export function keyPosition(suffix: string): number {
  let position = 0;
  let scale = 1;
  for (let i = 0; i < DIGITS && i < suffix.length; i++) {
    scale /= RADIX;
    const code = suffix.charCodeAt(i);
    position += Math.min(RADIX - 1, Math.max(0, code - FIRST)) * scale;
    if (code - FIRST >= RADIX) break;
  }
  return position;
}

/** The shortest printable string at (or just below) a position; trailing lowest digits are dropped. */
export function positionString(position: number): string {
  let rest = Math.min(Math.max(position, 0), 1 - 1e-12);
  let text = '';
  for (let i = 0; i < DIGITS; i++) {
    rest *= RADIX;
    const digit = Math.min(RADIX - 1, Math.floor(rest));
    rest -= digit;
    text += String.fromCharCode(FIRST + digit);
  }
  return text.replace(/ +$/, '');
}

/** `count` positions spread evenly over (low, high), low and high excluded. */
export function probePositions(low: number, high: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => low + ((high - low) * (i + 1)) / (count + 1));
}

/** A probe of the key space: the keys of one page listed after `probe` (a string under the job's prefix). */
export interface Sample {
  probe: string;
  position: number;
  keys: readonly string[];
  truncated: boolean;
}

/**
 * How many keys lie after sample a up to and including sample b's probe, when a's page tells: it
 * reached past b's probe or the end of the listing. Undefined when a's page ended short of b: then
 * there are at least a page of keys between them, and probing between them tells more.
 */
export function keysBetween(a: Sample, b: Sample): number | undefined {
  const within = a.keys.findIndex((key) => compareKeys(key, b.probe) > 0);
  if (within !== -1) return within;
  return a.truncated ? undefined : a.keys.length;
}

/**
 * Boundaries at sample probes, cutting the samples' intervals into `ranges` runs of about equal weight:
 * an interval weighs its known number of keys, or `unknownWeight` (a page's worth, a lower bound) when
 * its page did not reach its end. `before`: the keys ahead of the first sample.
 */
export function boundariesFromSamples(samples: readonly Sample[], ranges: number, before: number, unknownWeight: number): string[] {
  const weights = samples.map((sample, i) => {
    const next = samples[i + 1];
    const known = next === undefined ? (sample.truncated ? undefined : sample.keys.length) : keysBetween(sample, next);
    return known ?? unknownWeight;
  });
  // cut[j]: the keys up to sample j's probe; a boundary goes at the probe whose cut is nearest its share.
  const cut: number[] = [before];
  for (const weight of weights) cut.push(cut[cut.length - 1]! + weight);
  const total = cut[cut.length - 1]!;
  const boundaries: string[] = [];
  let last = 0; // the sample of the last boundary (0: none yet)
  for (let k = 1; k < ranges; k++) {
    const wanted = (total * k) / ranges;
    // Never a range without keys: each boundary adds weight since the last.
    let j = last + 1;
    while (j < samples.length - 1 && (cut[j]! < wanted || cut[j] === cut[last])) j++;
    if (j > last + 1 && cut[j - 1]! > cut[last]! && wanted - cut[j - 1]! < cut[j]! - wanted) j--;
    if (cut[j] === cut[last]) break;
    if (j >= samples.length) break;
    boundaries.push(samples[j]!.probe);
    last = j;
  }
  return boundaries;
}

/** A listing cut at a range's last key: pages up to and including `through`, then the listing is closed. */
export async function* upThrough<T extends { key: string }>(listing: AsyncGenerator<T[]>, through: string | undefined): AsyncGenerator<T[]> {
  if (through === undefined) return yield* listing;
  for await (const page of listing) {
    const end = page.findIndex((entry) => compareKeys(entry.key, through) > 0);
    if (end === -1) {
      yield page;
      continue;
    }
    if (end > 0) yield page.slice(0, end);
    return;
  }
}

/** The longest prefix two keys share. */
export function sharedPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never cut a surrogate pair in two.
  if (i > 0 && a.charCodeAt(i - 1) >= 0xd800 && a.charCodeAt(i - 1) <= 0xdbff) i--;
  return a.slice(0, i);
}
