import type { ObjectVersion } from '../s3/listVersions.js';
import { compileFilter, type CompiledFilter, type ObjectFilter } from './objectFilter.js';

/**
 * What `versions: all` (issue 20 item 1) copies of one key, decided from the key's versions as the
 * source lists them now, the job's filter and the versions already copied (source version id →
 * destination version id, kept from earlier runs). Pure: no I/O, no clock.
 *
 * Version ids cannot be kept across endpoints, so a destination version is a new one each time a
 * source version is written; order is all the destination keeps. Hence:
 * - versions are copied oldest first (LastModified, then the listing's order for equal times);
 * - a version already in the map is never copied again;
 * - a version deleted at the source since is no longer listed, so it is not copied again, and
 *   nothing about it is written at the destination (its copy stays: Ferry never deletes versions);
 * - a version not yet copied but OLDER than the newest one already copied is left `behind`:
 *   written now it would become the destination's newest and resurrect what the source has
 *   superseded. This happens when a filter widened between runs; it is counted, not copied.
 * Filters apply to each version: prefix and LastModified bounds to versions and delete markers,
 * size bounds to versions only (a delete marker has no size); tag filters are the caller's
 * (a version's tags are read per version id) and passed in as `tagged`.
 */
export interface KeyVersionPlan {
  key: string;
  /** Oldest first: what to write, versions by GET ?versionId= and PUT, markers by DELETE without versionId. */
  toCopy: ObjectVersion[];
  alreadyCopied: number;
  filteredOut: number;
  /** Not yet copied, older than a copied one: not written (see above). */
  behind: ObjectVersion[];
}

export interface VersionCounts {
  versions: number;
  delete_markers: number;
}

/** Oldest first; the listing lists newest first, so equal times keep their reversed listing order. */
export function oldestFirst(newestFirst: readonly ObjectVersion[]): ObjectVersion[] {
  return newestFirst
    .map((v, i) => ({ v, i, t: Date.parse(v.last_modified) }))
    .sort((a, b) => a.t - b.t || b.i - a.i)
    .map((x) => x.v);
}

/** The job's filter as it applies to versions and, without its size bounds, to delete markers. */
export interface VersionFilter {
  versions: CompiledFilter;
  markers: CompiledFilter;
}

export function compileVersionFilter(def: ObjectFilter): VersionFilter {
  // A delete marker has no size: size bounds would drop every marker, or keep them all at size 0.
  return { versions: compileFilter(def), markers: compileFilter({ ...def, min_size: undefined, max_size: undefined }) };
}

export function versionMatches(filter: VersionFilter, v: ObjectVersion): boolean {
  return (v.delete_marker ? filter.markers : filter.versions).matchesCheap(v);
}

export function planKeyVersions(
  newestFirst: readonly ObjectVersion[],
  filter: VersionFilter,
  copied: ReadonlyMap<string, string>,
  tagged: (v: ObjectVersion) => boolean = () => true,
): KeyVersionPlan {
  const ordered = oldestFirst(newestFirst);
  const key = ordered[0]?.key ?? '';
  let lastCopied = -1;
  ordered.forEach((v, i) => {
    if (copied.has(v.version_id)) lastCopied = i;
  });
  const plan: KeyVersionPlan = { key, toCopy: [], alreadyCopied: 0, filteredOut: 0, behind: [] };
  ordered.forEach((v, i) => {
    if (copied.has(v.version_id)) plan.alreadyCopied++;
    else if (!versionMatches(filter, v) || (!v.delete_marker && !tagged(v))) plan.filteredOut++;
    else if (i < lastCopied) plan.behind.push(v);
    else plan.toCopy.push(v);
  });
  return plan;
}

/** Versions and delete markers counted apart, as progress reports them. */
export function countVersions(vs: readonly ObjectVersion[]): VersionCounts {
  let markers = 0;
  for (const v of vs) if (v.delete_marker) markers++;
  return { versions: vs.length - markers, delete_markers: markers };
}
