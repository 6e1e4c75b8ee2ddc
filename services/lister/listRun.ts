import type { JetStreamClient } from 'nats';
import { workItemMessageId, type JobDefinition, type JobState, type WorkItem } from '../../libs/domain/index.js';
import { encodeJson, subjects, type JobEventStore, type PipelinedPublisher, type VersionLog } from '../../libs/nats/index.js';
import type { RetryOptions, S3Endpoint } from '../../libs/s3/index.js';
import { selectRun } from '../../libs/selection/index.js';
import { RunListing } from './runListing.js';
import { guardEndpoints } from './endpointFailure.js';

const TAG_FETCH_CONCURRENCY = 16;

export interface ListRunContext {
  js: JetStreamClient;
  /** Work items and skipped outcomes go out through it, many PubAcks outstanding. */
  publisher: PipelinedPublisher;
  store: JobEventStore;
  source: S3Endpoint;
  /** Where the run copies to; objects already identical there before the run are reported skipped instead of queued. */
  destination: S3Endpoint;
  checkpointInterval: number;
  /** The versions `versions: all` jobs copied in earlier runs (KV ferry_versions). */
  versions?: VersionLog;
  /** How a failed listing request is retried: the job's retry policy (default: withRetry's). */
  retry?: Omit<RetryOptions, 'signal'>;
  /** Called often; keeps the listing task leased and lets the caller stop the listing (pause, cancel). */
  heartbeat(): Promise<'continue' | 'stop'>;
  signal: AbortSignal;
}

/**
 * Lists one run of a job (or one range of a split run) from where its last checkpoint left off, publishing one
 * work item per selected object. Ordinals continue from the checkpoint, so a
 * republished item carries the same message id and JetStream drops it. Returns
 * 'complete' when the listing ended and was recorded, 'stopped' when told to stop.
 * The destination is listed in step with the source (both in key order), never
 * HEAD per object; identical objects still take an ordinal so counts stay exact.
 */
export async function listRun(ctx: ListRunContext, state: JobState, range?: number): Promise<'complete' | 'stopped'> {
  const definition = state.definition as JobDefinition;
  const listing = new RunListing(ctx, state, 'skip', range);
  const workSubject = subjects.work(state.job_id, state.run);
  const position = range === undefined ? state.listing : state.listing.ranges![range]!;
  const selected = selectRun(ctx, definition, {
    startAfter: position.start_after,
    through: 'through' in position ? position.through : undefined,
    afterRow: state.listing.manifest_rows,
    signal: ctx.signal,
    tagConcurrency: TAG_FETCH_CONCURRENCY,
    retry: ctx.retry,
    runStartedAt: state.run_started_at,
  });

  for await (const page of guardEndpoints(selected, ctx, definition)) {
    if ((await ctx.heartbeat()) === 'stop') {
      await listing.drain();
      return 'stopped';
    }
    for (const { object, action, error, row } of page) {
      if (action === 'copy') {
        const item: WorkItem = {
          job_id: state.job_id,
          run: state.run,
          ordinal: listing.next,
          key: object.key,
          size: object.size,
          etag: object.etag,
          last_modified: object.last_modified,
        };
        const full = listing.publish(workSubject, encodeJson(item), workItemMessageId(item));
        if (full) await full;
      } else {
        const result = action === 'fail' ? 'failed' : 'skipped';
        const flushing = listing.decided({ key: object.key, size: object.size, result, attempts: 0, duration_ms: 0, ...(error === undefined ? {} : { error }) });
        if (flushing) await flushing;
      }
      const checkpointing = listing.advance(object.key, object.size, row);
      if (checkpointing) await checkpointing;
    }
  }
  await listing.complete();
  return 'complete';
}
