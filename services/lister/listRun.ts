import type { JetStreamClient } from 'nats';
import { workItemMessageId, type JobDefinition, type JobState, type WorkItem } from '../../libs/domain/index.js';
import { encodeJson, subjects, type JobEventStore, type PipelinedPublisher } from '../../libs/nats/index.js';
import type { RetryOptions, S3Endpoint } from '../../libs/s3/index.js';
import { selectRun } from '../../libs/selection/index.js';
import { PublishWindow } from './publishWindow.js';
import { ListerOutcomes } from './listerOutcomes.js';
import { guardEndpoints } from './endpointFailure.js';

const MAX_PUBLISHES_IN_FLIGHT = 256;
const TAG_FETCH_CONCURRENCY = 16;

export interface ListRunContext {
  js: JetStreamClient;
  /** Work items and skipped outcomes go out through it, many PubAcks outstanding. */
  publisher: PipelinedPublisher;
  store: JobEventStore;
  source: S3Endpoint;
  /** Where the run copies to; objects already identical there are reported skipped instead of queued. */
  destination: S3Endpoint;
  checkpointInterval: number;
  /** How a failed listing request is retried: the job's retry policy (default: withRetry's). */
  retry?: Omit<RetryOptions, 'signal'>;
  /** Called often; keeps the listing task leased and lets the caller stop the listing (pause, cancel). */
  heartbeat(): Promise<'continue' | 'stop'>;
  signal: AbortSignal;
}

/**
 * Lists one run of a job from where its last checkpoint left off, publishing one
 * work item per selected object. Ordinals continue from the checkpoint, so a
 * republished item carries the same message id and JetStream drops it. Returns
 * 'complete' when the listing ended and was recorded, 'stopped' when told to stop.
 * The destination is listed in step with the source (both in key order), never
 * HEAD per object; identical objects still take an ordinal so counts stay exact.
 */
export async function listRun(ctx: ListRunContext, state: JobState): Promise<'complete' | 'stopped'> {
  const definition = state.definition as JobDefinition;
  const jobId = state.job_id;
  const run = state.run;
  let ordinal = state.listing.listed_objects;
  let bytes = state.listing.listed_bytes;
  let lastKey = state.listing.start_after;
  let manifestRows = state.listing.manifest_rows ?? 0;
  let sinceCheckpoint = 0;
  const window = new PublishWindow(MAX_PUBLISHES_IN_FLIGHT);
  const decided = new ListerOutcomes(jobId, run, async (subject, payload, msgID) => window.add(ctx.publisher.publish(subject, payload, msgID)));
  const drain = async () => {
    await decided.flush();
    await window.drain();
  };
  const workSubject = subjects.work(jobId, run);
  const checkpoint = async () => {
    await drain();
    await ctx.store.execute(jobId, {
      type: 'RecordListingCheckpoint',
      data: { job_id: jobId, run, listed_objects: ordinal, listed_bytes: bytes, start_after: lastKey, ...(definition.manifest ? { manifest_rows: manifestRows } : {}) },
      metadata: { now: new Date().toISOString() },
    });
    sinceCheckpoint = 0;
  };

  const selected = selectRun(ctx, definition, {
    startAfter: state.listing.start_after,
    afterRow: manifestRows,
    signal: ctx.signal,
    tagConcurrency: TAG_FETCH_CONCURRENCY,
    retry: ctx.retry,
  });

  for await (const page of guardEndpoints(selected, ctx, definition)) {
    if ((await ctx.heartbeat()) === 'stop') {
      await drain();
      return 'stopped';
    }
    for (const { object, action, error, row } of page) {
      if (row !== undefined) manifestRows = row;
      if (action !== 'copy') {
        const flushing = decided.add(ordinal, object.key, object.size, action === 'fail' ? 'failed' : 'skipped', error);
        if (flushing) await flushing;
        ordinal++;
        bytes += object.size;
        lastKey = object.key;
        if (++sinceCheckpoint >= ctx.checkpointInterval) await checkpoint();
        continue;
      }
      const item: WorkItem = {
        job_id: jobId,
        run,
        ordinal,
        key: object.key,
        size: object.size,
        etag: object.etag,
        last_modified: object.last_modified,
      };
      const full = window.add(ctx.publisher.publish(workSubject, encodeJson(item), workItemMessageId(item)));
      if (full) await full;
      ordinal++;
      bytes += object.size;
      lastKey = object.key;
      if (++sinceCheckpoint >= ctx.checkpointInterval) await checkpoint();
    }
  }
  await drain();
  await ctx.store.execute(jobId, {
    type: 'CompleteListing',
    data: { job_id: jobId, run, total_objects: ordinal, total_bytes: bytes },
    metadata: { now: new Date().toISOString() },
  });
  return 'complete';
}
