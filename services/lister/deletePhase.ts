import { Buffer } from 'node:buffer';
import { deletionLimit, isActive, type JobDefinition, type JobState } from '../../libs/domain/index.js';
import type { JobEventStore } from '../../libs/nats/index.js';
import { classifyS3Error, deleteObjects, endpointCause, MAX_DELETE_KEYS, type ListedObject, type RetryOptions, type S3Endpoint } from '../../libs/s3/index.js';
import { emptyTally, extraneousObjects } from '../../libs/selection/index.js';
import { guardEndpoints } from './endpointFailure.js';

/** A batch's keys also stay well inside one NATS message (1 MiB by default) when keys are long. */
const MAX_BATCH_KEY_BYTES = 256 * 1024;
const TAG_FETCH_CONCURRENCY = 16;

export interface DeletePhaseContext {
  store: JobEventStore;
  source: S3Endpoint;
  destination: S3Endpoint;
  retry?: Omit<RetryOptions, 'signal'>;
  signal: AbortSignal;
  /** Asked before each page and each batch: keeps the task leased; 'stop' on pause, cancel, a run ended, or shutdown. */
  heartbeat(): Promise<'continue' | 'stop'>;
}

/** The delete phase cannot go on safely: the run fails with this message (nothing more is deleted). */
export class DeletePhaseError extends Error {}

/**
 * A mirror run's delete phase, after its copy phase: first a counting pass over both listings
 * (PlanDeletion: the decider judges max_delete and the empty-source safeguard before anything is
 * deleted), then a deleting pass that removes the extraneous objects in key order, in DeleteObjects
 * batches of up to 1,000 keys, each recorded (RecordDeletions → ObjectsDeleted) after the server
 * answered, then CompleteDeletion. A restart resumes after the last recorded key; a repeated batch
 * number decides to nothing, so no deletion is counted twice.
 */
export async function runDeletePhase(ctx: DeletePhaseContext, state: JobState): Promise<'complete' | 'stopped'> {
  const definition = state.definition as JobDefinition;
  const jobId = state.job_id;
  const run = state.run;
  const now = () => ({ now: new Date().toISOString() });
  const walk = (tally = emptyTally(), startAfter = '') =>
    guardEndpoints(
      extraneousObjects(ctx.source, ctx.destination, definition, tally, { startAfter, signal: ctx.signal, retry: ctx.retry, tagConcurrency: TAG_FETCH_CONCURRENCY }),
      ctx,
      definition,
    );

  let count = state.deletion?.planned;
  if (!count) {
    const tally = emptyTally();
    let candidates = 0;
    let candidateBytes = 0;
    for await (const page of walk(tally)) {
      if ((await ctx.heartbeat()) === 'stop') return 'stopped';
      candidates += page.length;
      candidateBytes += page.reduce((sum, o) => sum + o.size, 0);
    }
    count = { candidates, candidate_bytes: candidateBytes, ...tally };
  }
  // Also with a plan already recorded: the decider finishes its verdict if a crash came between its events.
  const { state: current } = await ctx.store.execute(jobId, { type: 'PlanDeletion', data: { job_id: jobId, run, ...count }, metadata: now() });
  // Ended, or its phase over: the task is done. Paused (the plan waits for a running run): handed back.
  if (current.run !== run || !isActive(current.status) || current.deletion?.complete) return 'complete';
  if (current.status === 'paused') return 'stopped';
  const deletion = current.deletion;
  if (!deletion) return 'complete';

  // Never more than the counting pass found, nor more than max_delete allows: a source emptied between
  // the two passes must not turn the whole destination into candidates.
  const limit = Math.min(deletion.planned.candidates, deletionLimit(definition.max_delete, deletion.planned.destination_objects));
  let deleted = deletion.deleted_objects;
  let batchNumber = deletion.batches;
  let batch: ListedObject[] = [];
  let keyBytes = 0;

  const flush = async (): Promise<'continue' | 'stop'> => {
    if (batch.length === 0) return 'continue';
    if ((await ctx.heartbeat()) === 'stop') return 'stop';
    if (deleted + batch.length > limit) {
      throw new DeletePhaseError(
        `delete phase stopped: more destination objects are extraneous now than the ${deletion.planned.candidates} counted before deleting (the source changed during the run); ${deleted} deleted, the rest kept`,
      );
    }
    const { deleted: gone, refused } = await deleteObjects(ctx.destination, definition.destination_bucket, batch.map((o) => o.key), { ...ctx.retry, signal: ctx.signal }).catch((err: unknown) => {
      // Refused for good, or failing after the job's retries: the run fails (as a listing that fails does); shutting down hands the task back.
      if (ctx.signal.aborted) throw err;
      throw new DeletePhaseError(`delete phase stopped: DeleteObjects on ${definition.destination_bucket} at ${ctx.destination.endpoint} failed: ${endpointCause(classifyS3Error(err))}; ${deleted} deleted, the rest kept`);
    });
    const goneKeys = new Set(gone);
    const objects = batch.filter((o) => goneKeys.has(o.key)).map((o) => ({ key: o.key, size: o.size }));
    if (objects.length > 0) {
      const recorded = await ctx.store.execute(jobId, { type: 'RecordDeletions', data: { job_id: jobId, run, batch: batchNumber, objects }, metadata: now() });
      // Another lister holds this run's delete phase, or the run ended: leave it to that one.
      if (recorded.events.length === 0) return 'stop';
      batchNumber++;
      deleted += objects.length;
    }
    if (refused.length > 0) {
      const first = refused[0]!;
      throw new DeletePhaseError(`delete phase stopped: ${definition.destination_bucket} refused to delete ${refused.length} object${refused.length === 1 ? '' : 's'} (first ${JSON.stringify(first.key)}: ${first.code} ${first.message})`.trim());
    }
    batch = [];
    keyBytes = 0;
    return 'continue';
  };

  for await (const page of walk(emptyTally(), deletion.start_after)) {
    for (const object of page) {
      const size = Buffer.byteLength(object.key);
      if (batch.length >= MAX_DELETE_KEYS || (batch.length > 0 && keyBytes + size > MAX_BATCH_KEY_BYTES)) {
        if ((await flush()) === 'stop') return 'stopped';
      }
      batch.push(object);
      keyBytes += size;
    }
  }
  if ((await flush()) === 'stop') return 'stopped';
  await ctx.store.execute(jobId, { type: 'CompleteDeletion', data: { job_id: jobId, run }, metadata: now() });
  return 'complete';
}

/** The delete phase's heartbeat: keeps the task leased and stops when the run is no longer running (paused, cancelled, ended). */
export function deleteHeartbeat(c: { working(): void; load(): Promise<JobState>; run: number; signal: AbortSignal; everyMs: number }): () => Promise<'continue' | 'stop'> {
  let lastBeat = 0;
  return async () => {
    if (c.signal.aborted) return 'stop';
    if (Date.now() - lastBeat < c.everyMs) return 'continue';
    lastBeat = Date.now();
    c.working();
    const now = await c.load();
    return now.run === c.run && now.status === 'running' ? 'continue' : 'stop';
  };
}
