import { invalidField } from '../domain/errors.js';

/** The job definition's filtering options (spec: "Filtering Options"). */
export interface ObjectFilter {
  prefix?: string;
  min_size?: number;
  max_size?: number;
  created_after?: string;
  created_before?: string;
  tags?: Record<string, string>;
}

export interface ListedFacts {
  key: string;
  size: number;
  last_modified: string;
}

export interface CompiledFilter {
  /** Everything a listing already tells: prefix, size and LastModified bounds. */
  matchesCheap(obj: ListedFacts): boolean;
  /** Whether tags must be fetched (one request per object) before deciding. */
  needsTags: boolean;
  /** Every listed tag present with exactly that value; extra tags are fine. */
  matchesTags(tags: Record<string, string>): boolean;
}

/** All options are ANDed; every bound is inclusive. */
export function compileFilter(def: ObjectFilter): CompiledFilter {
  const prefix = def.prefix ?? '';
  const minSize = def.min_size ?? 0;
  const maxSize = def.max_size ?? Number.POSITIVE_INFINITY;
  const after = def.created_after === undefined ? Number.NEGATIVE_INFINITY : parseInstant('created_after', def.created_after);
  const before = def.created_before === undefined ? Number.POSITIVE_INFINITY : parseInstant('created_before', def.created_before);
  const wanted = Object.entries(def.tags ?? {});

  return {
    matchesCheap(obj) {
      if (!obj.key.startsWith(prefix)) return false;
      if (obj.size < minSize || obj.size > maxSize) return false;
      if (after === Number.NEGATIVE_INFINITY && before === Number.POSITIVE_INFINITY) return true;
      const modified = Date.parse(obj.last_modified);
      // NaN fails both comparisons: an undated object never passes a date bound.
      return modified >= after && modified <= before;
    },
    needsTags: wanted.length > 0,
    matchesTags(tags) {
      return wanted.every(([key, value]) => Object.hasOwn(tags, key) && tags[key] === value);
    },
  };
}

function parseInstant(field: string, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalidField(field, 'must be an RFC 3339 timestamp');
  return ms;
}
