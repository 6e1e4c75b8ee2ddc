import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { RETRIES_KEPT, checkpointOf, keptOf, runSpan, type FailedObject, type FailuresKept, type JobError, type JobProjection, type OutcomesCheckpointed } from '../../libs/domain/index.js';
import { RunOutcomeScan, encodeJson, isWrongLastSequence, publishDurably, subjects, type JobEventStore } from '../../libs/nats/index.js';
import { FAILURES_PER_PART } from './compaction.js';

/** Tries before giving the checkpoint up until the next reconcile: one loses only to a batch published but not yet folded. */
const ATTEMPTS = 10;

export interface CheckpointDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: JobEventStore;
  /** The job's projection as folded so far. */
  projection(jobId: string): JobProjection | undefined;
  /** The stream sequence of the last message of the job's outcome subject folded so far (undefined: none since the start). */
  lastOutcomeSeq(jobId: string): number | undefined;
}

export type CheckpointResult = { through_seq: number; seq: number; failed_kept: number; failures_from: 'projection' | 'batches' } | 'raced' | undefined;

/**
 * Checkpoints a running run's outcome batches so they can be purged before it ends (the purge itself
 * follows once the checkpoint is folded, see Reconciler). First the failures of the batches since the
 * previous checkpoint are kept (FailuresKept sets on the summary subject, chained by sequence), then
 * OutcomesCheckpointed, built from the projection as of the last batch it covers (the last one folded),
 * is appended on the outcome subject with that batch as the subject's expected last sequence: a batch
 * published but not yet folded makes the server refuse it, and the next attempt tries again with it.
 * Every message has a stable id and a set no checkpoint chains to is never read, so a crash anywhere
 * leaves nothing to undo. undefined: nothing to do (the run ended, or another projector checkpointed it
 * meanwhile); 'raced': batches kept arriving, or the failures could not be had, tried again at the next reconcile.
 *
 * The failures come from the projection, which folds them with the batches. When it does not hold them
 * (restored from a snapshot since the last checkpoint, or too many) the batches are read back instead.
 */
export async function checkpointRun(deps: CheckpointDeps, jobId: string, run: number): Promise<CheckpointResult> {
  return deps.projection(jobId)?.unkept ? checkpointFromProjection(deps, jobId, run) : checkpointFromBatches(deps, jobId, run);
}

async function checkpointFromProjection(deps: CheckpointDeps, jobId: string, run: number): Promise<CheckpointResult> {
  const base = deps.projection(jobId)?.unkept?.afterSeq;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // Read at one instant, so the failures, the checkpoint and `last` are all as of the same folded batch.
    const p = deps.projection(jobId);
    const last = deps.lastOutcomeSeq(jobId);
    if (!p || p.view.run !== run || last === undefined) return undefined;
    if (!p.unkept) return 'raced'; // let go meanwhile (too many): the next try reads the batches
    if (p.unkept.afterSeq !== base) return undefined; // another projector's checkpoint was folded meanwhile
    if (p.checkpoint?.run === run && last === p.checkpoint.seq) return undefined; // nothing since the latest checkpoint
    const checkpoint = checkpointOf(p, last, new Date().toISOString());
    if (!checkpoint) return undefined;
    const kept = keptOf(p.unkept);
    await keepFailures(deps, jobId, run, p.unkept.afterSeq, last, kept);
    const published = await appendCheckpoint(deps, jobId, run, last, checkpoint);
    if (published) return { ...published, failed_kept: kept.failed.length, failures_from: 'projection' };
  }
  return 'raced';
}

async function checkpointFromBatches(deps: CheckpointDeps, jobId: string, run: number): Promise<CheckpointResult> {
  const span = runSpan(await deps.store.read(jobId), run);
  if (!span || span.endSeq !== undefined) return undefined;
  const scan = new RunOutcomeScan(span, RETRIES_KEPT);
  let keptThrough = 0;
  let base: number | undefined;
  let failedKept = 0;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const last = deps.lastOutcomeSeq(jobId);
    if (last === undefined) return undefined;
    await scan.readTo(deps.nc, jobId, last);
    if (attempt === 0) {
      base = scan.checkpointSeq;
      keptThrough = scan.checkpoint?.through_seq ?? 0;
    } else if (scan.checkpointSeq !== base) return undefined; // another projector checkpointed meanwhile
    if (last === scan.checkpointSeq) return undefined; // nothing since the latest checkpoint
    if (last > keptThrough) {
      const kept = scan.failures.drain();
      await keepFailures(deps, jobId, run, keptThrough, last, kept);
      failedKept += kept.failed.length;
      keptThrough = last;
    }
    // Batches folded while the failures were kept are kept too before the checkpoint is tried.
    if (deps.lastOutcomeSeq(jobId) !== last) continue;
    // The projection's outcomes are as of `last` now: built and sent at once, before another batch is folded.
    const p = deps.projection(jobId);
    const checkpoint = p && p.view.run === run ? checkpointOf(p, last, new Date().toISOString()) : undefined;
    if (!checkpoint) return undefined;
    const published = await appendCheckpoint(deps, jobId, run, last, checkpoint);
    if (published) return { ...published, failed_kept: failedKept, failures_from: 'batches' };
  }
  return 'raced';
}

/** Appends the checkpoint unless a batch followed `last` on the outcome subject (then undefined). */
async function appendCheckpoint(deps: CheckpointDeps, jobId: string, run: number, last: number, checkpoint: OutcomesCheckpointed): Promise<{ through_seq: number; seq: number } | undefined> {
  try {
    const ack = await publishDurably(deps.js, subjects.outcome(jobId), encodeJson(checkpoint), { msgID: `${jobId}:${run}:ckpt:${last}`, expect: { lastSubjectSequence: last } });
    return { through_seq: last, seq: ack.seq };
  } catch (err) {
    if (!isWrongLastSequence(err)) throw err;
    return undefined;
  }
}

/** Publishes the failures of the batches in (fromSeq, throughSeq] as one FailuresKept set (in parts). */
async function keepFailures(deps: CheckpointDeps, jobId: string, run: number, fromSeq: number, throughSeq: number, { failed, retried }: { failed: FailedObject[]; retried: JobError[] }): Promise<void> {
  const parts = Math.max(1, Math.ceil(failed.length / FAILURES_PER_PART));
  const at = new Date().toISOString();
  for (let part = 0; part < parts; part++) {
    const data: FailuresKept['data'] = {
      job_id: jobId,
      run,
      from_seq: fromSeq,
      through_seq: throughSeq,
      part,
      parts,
      failed: failed.slice(part * FAILURES_PER_PART, (part + 1) * FAILURES_PER_PART),
      retries: part === 0 ? retried : [],
      at,
    };
    const event: FailuresKept = { type: 'FailuresKept', data };
    await publishDurably(deps.js, subjects.summary(jobId), encodeJson(event), { msgID: `${jobId}:${run}:ckpt:${throughSeq}:${fromSeq}:failures:${part}` });
  }
}
