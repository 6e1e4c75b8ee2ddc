import type { FailedObject, JobError, ObjectOutcome, ObjectsProcessed } from './events.js';
import { failedObjectOf, withRetriesOf } from './failedObjects.js';

/** Retried attempts kept per run: what GET .../errors can show (it shows at most 100 entries). */
export const RETRIES_KEPT = 100;

/**
 * Failures the projection holds for the next checkpoint. Past this many it lets go of them, and that
 * checkpoint reads the run's batches back from the stream instead (as after a restart from a snapshot).
 */
export const UNKEPT_FAILURES_HELD = 50_000;

/**
 * The current run's final failures (and latest retried attempts) in its outcome batches after
 * `afterSeq`: its latest checkpoint's through_seq, or 0 before the first. They are what the next
 * checkpoint keeps, or the ended run's compaction adds to the kept ones, folded as the batches are,
 * so neither need read the batches back.
 */
export interface UnkeptFailures {
  afterSeq: number;
  /** In fold order; the checkpoint sorts them by ordinal. */
  failed: FailedObject[];
  retried: JobError[];
  /**
   * Whether the run's checkpoints so far may have kept any failure or retried attempt: false only when the
   * projection held what each of them kept and it was nothing, so the compaction of a run without failures
   * reads no kept set (each lies in another 8 MB block of the events stream).
   */
  keptBefore: boolean;
}

/** Nothing held at the start of a run: no checkpoint has kept anything either. */
export const noUnkeptFailures = (): UnkeptFailures => ({ afterSeq: 0, failed: [], retried: [], keptBefore: false });

/**
 * What the projection holds once a checkpoint through `throughSeq` is folded: nothing after it, and whether
 * that checkpoint or an earlier one kept anything. What the checkpoint kept is what was held up to it;
 * when nothing was held (restored from a snapshot, or let go) it is unknown, so it may have.
 */
export function unkeptAfterCheckpoint(held: UnkeptFailures | undefined, throughSeq: number): UnkeptFailures {
  const keptBefore = !held || held.keptBefore || held.failed.length > 0 || held.retried.length > 0;
  return { afterSeq: throughSeq, failed: [], retried: [], keptBefore };
}

/**
 * Adds an object's first outcome in the run (in place); false once more than UNKEPT_FAILURES_HELD are
 * held, when the caller drops them all.
 */
export function holdFailure(unkept: UnkeptFailures, outcome: ObjectOutcome, batch: ObjectsProcessed['data']): boolean {
  const failed = failedObjectOf(outcome, batch);
  if (failed) unkept.failed.push(failed);
  return unkept.failed.length <= UNKEPT_FAILURES_HELD;
}

/** Adds a batch's retried attempts (in place), keeping the latest RETRIES_KEPT. */
export function holdRetries(unkept: UnkeptFailures, batch: ObjectsProcessed['data']): void {
  unkept.retried = withRetriesOf(batch, unkept.retried, RETRIES_KEPT);
}

/** What a checkpoint keeps of them: failures by ordinal, the latest RETRIES_KEPT retried attempts. */
export function keptOf(unkept: UnkeptFailures): { failed: FailedObject[]; retried: JobError[] } {
  return { failed: [...unkept.failed].sort((a, b) => a.ordinal - b.ordinal), retried: unkept.retried.slice(-RETRIES_KEPT) };
}
