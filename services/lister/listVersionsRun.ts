import { versioningRefusal, workItemMessageId, type JobDefinition, type JobState, type VersionWork, type WorkItem } from '../../libs/domain/index.js';
import { encodeJson, subjects } from '../../libs/nats/index.js';
import { getBucketVersioning, S3Error, type ObjectVersion } from '../../libs/s3/index.js';
import { selectVersions } from '../../libs/selection/index.js';
import { EndpointListingError, guardEndpoints } from './endpointFailure.js';
import type { ListRunContext } from './listRun.js';
import { RunListing } from './runListing.js';

/**
 * The most versions of one key one work item carries. A NATS message holds 1 MiB, and the copier
 * publishes an item's outcomes (each naming the key) in one batch: at most 1,000, and no more than
 * about 640 KiB of outcomes for a long key. Newer versions past it fail in this run, naming why,
 * and are never written before the older ones.
 */
export const MAX_VERSIONS_PER_ITEM = 1000;
const OUTCOME_BYTES = 640 * 1024;

export function versionsPerItem(key: string): number {
  return Math.min(MAX_VERSIONS_PER_ITEM, Math.floor(OUTCOME_BYTES / (Buffer.byteLength(key) + 320)));
}

const BEHIND = 'not written: older than a version of this key already copied, so written now it would become the destination\'s newest';
const tooMany = (max: number) => `not written in this run: more than ${max} versions of this key to copy, and a key's versions are written in order by one copier`;

/**
 * Lists a `versions: all` run (whole: such a run is never split) from its checkpoint: every selected
 * version gets an ordinal, oldest first per key, and each key with versions to write is one work item
 * carrying them (`versions`), its message id the first version's ordinal. Versions left behind
 * (versionPlan.ts) are outcomes the lister decides itself, skipped. Checkpoints fall only between
 * keys, so a resumed listing (ListObjectVersions after the last key) gives the same ordinals again.
 */
export async function listVersionsRun(ctx: ListRunContext, state: JobState): Promise<'complete' | 'stopped'> {
  const definition = state.definition as JobDefinition;
  await requireVersionedDestination(ctx, definition);
  const listing = new RunListing(ctx, state);
  const workSubject = subjects.work(state.job_id, state.run);
  const { versions } = ctx;
  const plans = selectVersions(ctx.source, definition, {
    startAfter: state.listing.start_after,
    signal: ctx.signal,
    retry: ctx.retry,
    ...(versions ? { copiedOf: (key: string) => versions.copiedBefore(state.job_id, key, state.run) } : {}),
  });
  let sinceBeat = 0;
  for await (const [plan] of guardEndpoints(pagesOfOne(plans), ctx, definition)) {
    if (!plan) continue;
    if (++sinceBeat >= 100) {
      sinceBeat = 0;
      if ((await ctx.heartbeat()) === 'stop') {
        await listing.drain();
        return 'stopped';
      }
    }
    for (const v of plan.behind) {
      const flushing = decide(listing, v, 'skipped', BEHIND);
      if (flushing) await flushing;
      listing.advanceVersion(v.size);
    }
    const versions: VersionWork[] = [];
    const max = versionsPerItem(plan.key);
    for (const v of plan.toCopy) {
      if (versions.length < max) {
        versions.push({ ordinal: listing.next, version_id: v.version_id, delete_marker: v.delete_marker, size: v.size, etag: v.etag, last_modified: v.last_modified });
      } else {
        const flushing = decide(listing, v, 'failed', tooMany(max));
        if (flushing) await flushing;
      }
      listing.advanceVersion(v.size);
    }
    if (versions.length > 0) {
      const first = versions[0]!;
      const item: WorkItem = {
        job_id: state.job_id,
        run: state.run,
        ordinal: first.ordinal,
        key: plan.key,
        size: versions.reduce((sum, v) => sum + v.size, 0),
        etag: '',
        last_modified: versions[versions.length - 1]!.last_modified,
        versions,
      };
      const full = listing.publish(workSubject, encodeJson(item), workItemMessageId(item));
      if (full) await full;
    }
    const checkpointing = listing.keyDone(plan.key);
    if (checkpointing) await checkpointing;
  }
  await listing.complete();
  return 'complete';
}

/**
 * Checked again each time the listing is taken, as at start: a scheduled run starts without control's
 * check, and versioning may have been suspended since. A refusal fails the run naming it.
 */
async function requireVersionedDestination(ctx: ListRunContext, definition: JobDefinition): Promise<void> {
  let versioning;
  try {
    versioning = await getBucketVersioning(ctx.destination, definition.destination_bucket, ctx.signal);
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    throw new EndpointListingError('destination', ctx.destination.endpoint, definition.destination_bucket, err);
  }
  const refusal = versioningRefusal(definition, versioning);
  if (refusal) throw refusal;
}

function decide(listing: RunListing, v: ObjectVersion, result: 'skipped' | 'failed', error: string): Promise<void> | undefined {
  return listing.decided({ key: v.key, size: v.size, result, attempts: 0, duration_ms: 0, error, version_id: v.version_id, delete_marker: v.delete_marker });
}

/** guardEndpoints takes pages: each key's plan as a page of one. */
async function* pagesOfOne<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}
