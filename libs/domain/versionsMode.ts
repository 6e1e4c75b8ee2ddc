import { FerryError, invalidField } from './errors.js';

/**
 * Which versions of each selected key a job copies (issue 20 item 1): `latest` (the default) the
 * current object, as a listing shows it; `all` every version oldest first, delete markers as delete
 * markers, into a versioned destination (libs/selection/versionPlan.ts decides what of a key is written).
 */
export const VERSIONS_OPTIONS = ['latest', 'all'] as const;
export type VersionsOption = (typeof VERSIONS_OPTIONS)[number];

export interface VersionsSettings {
  versions?: VersionsOption;
  manifest?: unknown;
  delete_extraneous?: boolean;
  verify?: string;
}

export function copiesAllVersions(s: { versions?: VersionsOption }): boolean {
  return s.versions === 'all';
}

/** `versions` and what it does not go with; problems are INVALID_ARGUMENT naming the field. */
export function checkVersionsSetting(s: VersionsSettings): void {
  if (s.versions === undefined) return;
  if (!VERSIONS_OPTIONS.includes(s.versions)) throw invalidField('versions', `must be one of ${VERSIONS_OPTIONS.join(', ')}`);
  if (s.versions !== 'all') return;
  if (s.manifest !== undefined) throw invalidField('versions', '"all" does not go with manifest: a manifest names the objects (and versions) to copy itself');
  if (s.delete_extraneous === true) throw invalidField('versions', '"all" does not go with delete_extraneous: a mirror deletes latest objects, and Ferry never deletes versions');
  if (s.verify !== undefined) throw invalidField('versions', '"all" does not go with verify: a delete marker has nothing to check, and a key\'s newest destination version may not be the one just written');
}

/** The bucket versioning states GetBucketVersioning reports ("Unversioned": never enabled). */
export type DestinationVersioning = 'Enabled' | 'Suspended' | 'Unversioned';

/**
 * Why a `versions: all` run may not start at this destination, if it may not: only a bucket with
 * versioning Enabled keeps each written version (Suspended overwrites the "null" version). A
 * FAILED_PRECONDITION (HTTP 409) naming destination_bucket, as the start's other bucket checks.
 */
export function versioningRefusal(s: { versions?: VersionsOption; destination_bucket: string }, versioning: DestinationVersioning): FerryError | undefined {
  if (!copiesAllVersions(s) || versioning === 'Enabled') return undefined;
  const state = versioning === 'Suspended' ? 'versioning is suspended' : 'versioning was never enabled';
  return new FerryError(
    'FAILED_PRECONDITION',
    `versions: all needs a versioned destination: destination bucket ${s.destination_bucket} is not versioned (${state}); enable versioning on it (PutBucketVersioning Status=Enabled) or copy the latest versions only`,
    [{ field: 'destination_bucket', reason: `not versioned (${versioning})` }],
  );
}
