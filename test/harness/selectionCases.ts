import { compareKeys } from '../../libs/selection/keyOrder.js';
import { seededRandom } from './seededRandom.js';

/** How the destination holds a source object's key before the run. */
export type AtDestination = 'absent' | 'identical' | 'different';

export interface CaseObject {
  key: string;
  size: number;
  /** ISO 8601, whole seconds as S3 lists them. */
  last_modified: string;
  tags: Record<string, string>;
  at_destination: AtDestination;
}

/** The filter fields of a job definition (libs/domain/jobDefinition.ts). */
export interface CaseFilter {
  prefix?: string;
  min_size?: number;
  max_size?: number;
  created_after?: string;
  created_before?: string;
  tags?: Record<string, string>;
}

export interface SelectionCase {
  seed: number;
  /** Source objects in S3 key order. */
  objects: CaseObject[];
  /** Keys only the destination holds, in S3 key order. */
  destinationOnly: string[];
  filter: CaseFilter;
}

// Slashes, spaces, URL and XML specials, accents, CJK, a private-use BMP character and a
// supplementary one (UTF-16 order differs from S3's UTF-8 order there).
const KEY_CHARS = ['a', 'b', 'z', 'A', '0', '9', '-', '_', '.', ' ', '+', '%', '&', '=', '?', '#', "'", '"', '<', '(', '~', ',', 'é', 'ß', '中', '\ue000', '😀'];
const DIRECTORIES = ['', 'a/', 'b/', 'a/b/', 'é/', '😀/', 'x y/', '%2F/'];
const TAG_KEYS = ['env', 'team', 'tier'];
const TAG_VALUES = ['prod', 'dev', 'a b', 'x+y'];
const DATE_FROM = Date.parse('2020-01-01T00:00:00Z');
const DATE_SPAN_SECONDS = 30 * 24 * 3600;
const MAX_SIZE = 2000;

/** A random source (keys, sizes, dates, tags), a destination partly holding it, and a random filter, all from `seed`. */
export function selectionCase(seed: number, count: number): SelectionCase {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => random() < p;

  const keys = new Set<string>();
  while (keys.size < count) keys.add(randomKey(pick, int));
  const sorted = [...keys].sort(compareKeys);
  const objects = sorted.map((key): CaseObject => {
    const tags: Record<string, string> = {};
    for (const tag of TAG_KEYS) if (chance(0.5)) tags[tag] = pick(TAG_VALUES);
    return {
      key,
      // Some sizes repeat so that size bounds fall exactly on objects.
      size: chance(0.2) ? pick([0, 1, 100, 1000]) : int(MAX_SIZE + 1),
      last_modified: new Date(DATE_FROM + int(DATE_SPAN_SECONDS) * 1000).toISOString(),
      tags,
      at_destination: pick<AtDestination>(['absent', 'absent', 'identical', 'different']),
    };
  });
  const destinationOnly = new Set<string>();
  for (let i = 0; i < count / 10; i++) {
    const key = randomKey(pick, int);
    if (!keys.has(key)) destinationOnly.add(key);
  }
  return { seed, objects, destinationOnly: [...destinationOnly].sort(compareKeys), filter: randomFilter(objects, pick, int, chance) };
}

function randomKey(pick: <T>(items: readonly T[]) => T, int: (n: number) => number): string {
  const length = 1 + int(8);
  let key = pick(DIRECTORIES);
  for (let i = 0; i < length; i++) key += pick(KEY_CHARS);
  // Path segments `.` and `..` are rewritten by URL handling in HTTP clients, a matter for copying, not selection.
  return key.split('/').some((segment) => segment === '.' || segment === '..') ? randomKey(pick, int) : key;
}

function randomFilter(objects: CaseObject[], pick: <T>(items: readonly T[]) => T, int: (n: number) => number, chance: (p: number) => boolean): CaseFilter {
  const filter: CaseFilter = {};
  // Bounds are often taken from an object so that inclusive edges are exercised.
  const someObject = () => pick(objects);
  if (chance(0.5)) filter.prefix = chance(0.7) ? pick(DIRECTORIES.filter((d) => d !== '')) : someObject().key.slice(0, 1 + int(3));
  if (chance(0.35)) filter.min_size = chance(0.5) ? someObject().size : int(MAX_SIZE);
  if (chance(0.35)) filter.max_size = Math.max(filter.min_size ?? 0, chance(0.5) ? someObject().size : int(MAX_SIZE + 1));
  const someDate = () => (chance(0.5) ? someObject().last_modified : new Date(DATE_FROM + int(DATE_SPAN_SECONDS) * 1000).toISOString());
  if (chance(0.35)) filter.created_after = someDate();
  if (chance(0.35)) filter.created_before = someDate();
  if (filter.created_after !== undefined && filter.created_before !== undefined && filter.created_after > filter.created_before) {
    [filter.created_after, filter.created_before] = [filter.created_before, filter.created_after];
  }
  if (chance(0.4)) {
    filter.tags = {};
    const wanted = 1 + int(2);
    for (let i = 0; i < wanted; i++) filter.tags[pick(TAG_KEYS)] = pick(TAG_VALUES);
  }
  return filter;
}

/**
 * What a run of the case should copy and skip, by the job definition's rules read plainly
 * (every option ANDed, bounds inclusive, every named tag present with that value), written
 * apart from libs/selection so that it checks it.
 */
export function expectedSelection(c: SelectionCase): { copy: string[]; skip: string[] } {
  const f = c.filter;
  const chosen = c.objects.filter(
    (o) =>
      o.key.startsWith(f.prefix ?? '') &&
      (f.min_size === undefined || o.size >= f.min_size) &&
      (f.max_size === undefined || o.size <= f.max_size) &&
      (f.created_after === undefined || Date.parse(o.last_modified) >= Date.parse(f.created_after)) &&
      (f.created_before === undefined || Date.parse(o.last_modified) <= Date.parse(f.created_before)) &&
      Object.entries(f.tags ?? {}).every(([k, v]) => o.tags[k] === v),
  );
  return {
    copy: chosen.filter((o) => o.at_destination !== 'identical').map((o) => o.key),
    skip: chosen.filter((o) => o.at_destination === 'identical').map((o) => o.key),
  };
}
