import { withJobCredentials } from '../../libs/credentials/endpointCredentials.js';
import { FerryError, copiesAllVersions, emptyCounts, invalidField, judgeDeletion, reportLayout, reportLocation, validateJobDefinition, type DeletionCount, type JobDefinition, type RunCounts } from '../../libs/domain/index.js';
import type { S3Endpoint } from '../../libs/s3/index.js';
import { BucketListingError, countVersions, emptyTally, extraneousObjects, selectRun, selectVersions } from '../../libs/selection/index.js';
import { destinationAddressPolicy } from '../../libs/net/index.js';
import { checkDestinationAddress, ownDestination } from '../../libs/secrets/index.js';
import { checkJobAddresses, type AddressSettings } from './addressChecks.js';
import { requireVersionedDestination } from './versioningCheck.js';

const DEFAULT_KEY_LIMIT = 20;
/** Keys of up to 1,024 characters, twice (first_keys and identical_keys), stay well inside gRPC's 4 MiB message. */
const MAX_KEY_LIMIT = 1000;

export interface DryRunReport {
  job_id: string;
  dry_run: true;
  object_count: number;
  total_bytes: number;
  first_keys: string[];
  identical_at_destination: number;
  /** The keys of first_keys that a run would skip, being identical at the destination. */
  identical_keys: string[];
  /** With versions: all, object_count's versions and delete markers apart (first_keys names a key once per version). */
  version_count?: number;
  delete_marker_count?: number;
  /** With a `report`: where the first run's completion report manifest would be written. */
  report_location?: string;
  /** With delete_extraneous: the run's delete phase as it would go (runs[0].delete_phase, counts.deleted_*). */
  runs?: [DryRunDeletion];
}

export interface DryRunDeletion {
  run: 0;
  status: 'dry_run';
  started_at: '';
  counts: RunCounts;
  delete_phase: DeletionCount & { status: 'would_delete' | 'would_skip' | 'would_stop'; note?: string; keys: string[] };
}

/**
 * What a job would copy, selected by the lister's own selection (selectObjects: same filters, same
 * comparison with the destination) but without creating the job or copying anything. The destination
 * credentials come from the request and are neither sealed nor stored. `keyLimit` caps first_keys.
 */
export async function dryRun(body: unknown, source: S3Endpoint | undefined, addresses: AddressSettings, keyLimit?: number): Promise<DryRunReport> {
  const definition = validateJobDefinition(body, { sourceEndpoint: source?.endpoint });
  const limit = checkedKeyLimit(keyLimit);
  await checkJobAddresses(definition, addresses);
  if (!source) {
    throw new FerryError('FAILED_PRECONDITION', 'dry run needs the source endpoint in this control process: set FERRY_SOURCE_ENDPOINT (ferry.source.endpoint)');
  }
  if (definition.destination_endpoint) {
    await checkDestinationAddress(definition.destination_endpoint, destinationAddressPolicy(addresses.allowLinkLocalDestinations));
  }
  const report: DryRunReport = {
    job_id: definition.job_id,
    dry_run: true,
    object_count: 0,
    total_bytes: 0,
    first_keys: [],
    identical_at_destination: 0,
    identical_keys: [],
    ...(definition.report ? { report_location: reportLocation(definition.report.bucket, reportLayout(definition.report, definition.job_id, 1).manifestKey) } : {}),
  };
  try {
    const jobSource = await withJobCredentials(source, definition, 'source_role_arn');
    const destination = await withJobCredentials(destinationOf(definition, source), definition, 'destination_role_arn');
    await requireVersionedDestination(definition, destination);
    if (copiesAllVersions(definition)) {
      await countVersionsRun(jobSource, definition, report, limit);
      return report;
    }
    for await (const page of selectRun({ source: jobSource, destination }, definition)) {
      for (const { object, action, error } of page) {
        const listed = report.object_count < limit;
        report.object_count++;
        report.total_bytes += object.size;
        if (listed) report.first_keys.push(object.key);
        if (action === 'skip' && error === undefined) {
          report.identical_at_destination++;
          if (listed) report.identical_keys.push(object.key);
        }
      }
    }
    if (definition.delete_extraneous === true) report.runs = [await deletionPreview(jobSource, destination, definition, limit)];
  } catch (err) {
    throw listingFailure(err);
  }
  return report;
}

/**
 * What the run's delete phase would do, by the lister's own walk (extraneousObjects) and the decider's
 * own rule (judgeDeletion): the objects and bytes it would delete, the first keys, and whether max_delete
 * or the empty-source safeguard would stop it. The copies a run makes first never add candidates.
 */
async function deletionPreview(source: S3Endpoint, destination: S3Endpoint, definition: JobDefinition, limit: number): Promise<DryRunDeletion> {
  const tally = emptyTally();
  const keys: string[] = [];
  let candidates = 0;
  let candidateBytes = 0;
  for await (const page of extraneousObjects(source, destination, definition, tally)) {
    for (const object of page) {
      if (keys.length < limit) keys.push(object.key);
      candidates++;
      candidateBytes += object.size;
    }
  }
  const count = { candidates, candidate_bytes: candidateBytes, ...tally };
  const verdict = judgeDeletion(definition, count);
  const status = verdict.action === 'delete' ? 'would_delete' : verdict.action === 'skip' ? 'would_skip' : 'would_stop';
  const deleting = verdict.action === 'delete';
  return {
    run: 0,
    status: 'dry_run',
    started_at: '',
    counts: { ...emptyCounts(), deleted_objects: deleting ? candidates : 0, deleted_bytes: deleting ? candidateBytes : 0 },
    delete_phase: { status, ...count, ...(verdict.action === 'delete' ? {} : { note: verdict.reason }), keys },
  };
}

/**
 * A versions: all run's selection, by the lister's own walk (selectVersions): each version and delete
 * marker it would write, counted apart. A first run's view: nothing is taken as copied before.
 */
async function countVersionsRun(source: S3Endpoint, definition: JobDefinition, report: DryRunReport, limit: number): Promise<void> {
  report.version_count = 0;
  report.delete_marker_count = 0;
  for await (const plan of selectVersions(source, definition)) {
    const counts = countVersions(plan.toCopy);
    report.version_count += counts.versions;
    report.delete_marker_count += counts.delete_markers;
    for (const v of plan.toCopy) {
      if (report.object_count < limit) report.first_keys.push(v.key);
      report.object_count++;
      report.total_bytes += v.size;
    }
  }
}

function checkedKeyLimit(keyLimit: number | undefined): number {
  if (keyLimit === undefined) return DEFAULT_KEY_LIMIT;
  if (!Number.isInteger(keyLimit) || keyLimit < 0 || keyLimit > MAX_KEY_LIMIT) {
    throw invalidField('dry_run_key_limit', `must be an integer from 0 to ${MAX_KEY_LIMIT}`);
  }
  return keyLimit;
}

function destinationOf(definition: JobDefinition, source: S3Endpoint): S3Endpoint {
  if (!definition.destination_endpoint) return source;
  return ownDestination(definition, definition.destination_endpoint, source.region, definition.destination_secret_key ?? '');
}

/** A listing that cannot be read (missing bucket, refused credentials) answers FAILED_PRECONDITION naming the side. */
function listingFailure(err: unknown): unknown {
  if (!(err instanceof BucketListingError)) return err;
  if (err.cause instanceof FerryError) return err.cause;
  return new FerryError('FAILED_PRECONDITION', `listing ${err.side} bucket ${err.bucket}: ${(err.cause as Error).message}`);
}
