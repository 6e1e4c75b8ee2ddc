import { keyVersions, listObjectVersions, type ObjectVersion, type RetryOptions, type S3Endpoint } from '../s3/index.js';
import { fetchTags } from './fetchTags.js';
import { BucketListingError } from './listingError.js';
import type { ObjectFilter } from './objectFilter.js';
import { compileVersionFilter, planKeyVersions, versionMatches, type KeyVersionPlan } from './versionPlan.js';

export interface VersionSelectionDefinition extends ObjectFilter {
  source_bucket: string;
}

export interface VersionSelectOptions {
  /** Resume after this key, all its versions (a versions run checkpoints only between keys). */
  startAfter?: string;
  signal?: AbortSignal;
  retry?: Omit<RetryOptions, 'signal'>;
  /** Source version id → destination version id, of the versions of `key` already copied (none: a first run). */
  copiedOf?: (key: string) => Promise<ReadonlyMap<string, string>>;
}

const NOTHING_COPIED: ReadonlyMap<string, string> = new Map();

/**
 * The selection of a `versions: all` run, lister and dry run alike: the source's versions listed
 * (ListObjectVersions, in key order, a key's versions held together), each key planned by
 * planKeyVersions (oldest first, filters per version, what was copied before left out). Keys with
 * nothing to write or count are not yielded. Tags, when the filter names them, are read per version
 * (GetObjectTagging with versionId) and only for versions the listing's own facts let through.
 * A listing that cannot be read is thrown as a BucketListingError naming the source.
 */
export async function* selectVersions(source: S3Endpoint, definition: VersionSelectionDefinition, opts: VersionSelectOptions = {}): AsyncGenerator<KeyVersionPlan> {
  const filter = compileVersionFilter(definition);
  const pages = listObjectVersions(source, definition.source_bucket, {
    prefix: definition.prefix,
    ...(opts.startAfter ? { after: { key: opts.startAfter } } : {}),
    signal: opts.signal,
    retry: opts.retry,
  });
  try {
    for await (const versions of keyVersions(pages)) {
      const tagged = filter.versions.needsTags ? await taggedVersions(source, definition.source_bucket, versions, (v) => versionMatches(filter, v), filter.versions.matchesTags) : undefined;
      const copied = opts.copiedOf ? await opts.copiedOf(versions[0]!.key).catch((err: unknown) => Promise.reject(new CopiedLookupFailed(err))) : NOTHING_COPIED;
      const plan = planKeyVersions(versions, filter, copied, tagged ? (v) => tagged.has(v.version_id) : undefined);
      if (plan.toCopy.length > 0 || plan.behind.length > 0) yield plan;
    }
  } catch (err) {
    if (err instanceof CopiedLookupFailed) throw err; // not the source's: the caller's own store
    if (err instanceof BucketListingError) throw err;
    throw new BucketListingError('source', definition.source_bucket, err);
  }
}

/** Reading what earlier runs copied (`copiedOf`) failed: the caller's own store, not the source; `cause` says why. */
export class CopiedLookupFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('looking up the versions copied before failed', { cause });
  }
}

/** The version ids (of versions, not markers, passing the cheap filter) whose tags match. */
async function taggedVersions(
  source: S3Endpoint,
  bucket: string,
  versions: readonly ObjectVersion[],
  cheap: (v: ObjectVersion) => boolean,
  matches: (tags: Record<string, string>) => boolean,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const v of versions) {
    if (v.delete_marker || !cheap(v)) continue;
    if (matches(await fetchTags(source, bucket, v.key, v.version_id))) ids.add(v.version_id);
  }
  return ids;
}
