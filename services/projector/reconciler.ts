import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { isActive, runIsOver, checkpointDue, countsOf, deletePhaseOf, failureThresholdExceeded, reportPending, type JobProjection, type JobView, type RunSummary } from '../../libs/domain/index.js';
import { STREAMS, deleteBlockMarkers, publishDeleteTask, publishListTask, publishReportTask, purgeOutcomesBelow, removeRunWork, subjects, type JobEventStore } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { compactRun, deleteLateBatches, lateBatchSweep, nextRunToCompact } from './compaction.js';
import { checkpointRun } from './checkpoint.js';

/**
 * Acts on what the read model says, not on single events, so replaying history
 * never repeats a side effect: makes sure an active run has a listing task,
 * ends a run whose objects all have outcomes (the only place that happens),
 * drops a finished run's leftover work, asks a lister for a finished run's
 * completion report, and then compacts the run's outcome detail (only once the projector has caught up with the log, so a replay does
 * not redo compactions the log already records). Every action is idempotent. A running run whose
 * outcomes since its last checkpoint reach `checkpointOutcomes` is checkpointed, and once that
 * checkpoint is folded its outcome batches below it are purged (again after a restart: a purge is idempotent).
 */
const ACTION_TIMEOUT_MS = 20_000;
/** A checkpoint may read the batches it covers back (about a million by default): it is given longer. */
const CHECKPOINT_TIMEOUT_MS = 10 * 60_000;

export interface CheckpointSettings {
  /** Outcomes since a running run's last checkpoint that trigger the next one; 0: never. */
  everyObjects: number;
  projection(jobId: string): JobProjection | undefined;
  /** The stream sequence of the last message of the job's outcome subject folded so far. */
  lastOutcomeSeq(jobId: string): number | undefined;
  /** The job's block markers below a sequence, as folded (a purge below it deletes them), and forgetting them once deleted. */
  blockMarkersBelow(jobId: string, seq: number): number[];
  forgetBlockMarkersBelow(jobId: string, seq: number): void;
}

export class Reconciler {
  private readonly done = new Set<string>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly store: JobEventStore,
    private readonly log: Logger,
    private readonly caughtUp: () => boolean,
    private readonly checkpoints: CheckpointSettings = {
      everyObjects: 0,
      projection: () => undefined,
      lastOutcomeSeq: () => undefined,
      blockMarkersBelow: () => [],
      forgetBlockMarkersBelow: () => undefined,
    },
  ) {}

  reconcile(view: JobView): void {
    const run = `${view.job_id}:${view.run}`;
    if (isActive(view.status) && !view.progress.listing_complete) this.once(`list:${run}`, view, () => this.ensureListingTask(view));
    // Read while the run's log is short; the projector's fold keeps it current (JobEventStore.startFollowing) for the run's end.
    if (isActive(view.status) && this.caughtUp()) this.once(`decide-state:${run}`, view, () => this.store.load(view.job_id));
    if (runIsOver(view)) {
      // A mirror run's copies are all in: its delete phase runs (in a lister) before the run may end.
      const phase = deletePhaseOf(view);
      if (phase === 'pending') this.once(`delete:${run}`, view, () => publishDeleteTask(this.js, { job_id: view.job_id, run: view.run }));
      else this.once(`finish:${run}`, view, () => this.finishRun(view));
    }
    const tooManyFailed = isActive(view.status) ? failureThresholdExceeded(view, view.progress) : undefined;
    if (tooManyFailed) this.once(`threshold:${run}`, view, () => this.failRun(view, tooManyFailed));
    if (!isActive(view.status) && view.run > 0) this.once(`cleanup:${run}`, view, () => removeRunWork(this.jsm, view.job_id, view.run));
    const toCompact = this.caughtUp() ? nextRunToCompact(view) : undefined;
    // A run's completion report is written from its outcome batches, so it comes before their compaction.
    if (toCompact && reportPending(view, toCompact)) this.once(`report:${view.job_id}:${toCompact.run}`, view, () => publishReportTask(this.js, { job_id: view.job_id, run: toCompact.run }));
    else if (toCompact) this.once(`compact:${view.job_id}:${toCompact.run}`, view, () => this.compact(view, toCompact));
    const late = this.caughtUp() ? lateBatchSweep(this.checkpoints.projection(view.job_id), this.checkpoints.lastOutcomeSeq(view.job_id)) : undefined;
    if (late) this.once(`late:${view.job_id}:${late.run}:${late.toSeq}`, view, () => this.deleteLate(view, late));
    if (this.caughtUp() && isActive(view.status)) this.checkpoint(view);
  }

  /** Checkpoints the running run when due; purges the batches below its latest folded checkpoint. */
  private checkpoint(view: JobView): void {
    const p = this.checkpoints.projection(view.job_id);
    if (!p || p.view.run !== view.run) return;
    const last = p.checkpoint?.run === view.run ? p.checkpoint : undefined;
    if (last) this.once(`checkpoint-purge:${view.job_id}:${last.seq}`, view, () => this.purgeBelow(view, last.seq));
    if (checkpointDue(p, this.checkpoints.everyObjects)) {
      this.once(`checkpoint:${view.job_id}:${view.run}:${last?.seq ?? 0}`, view, () => this.writeCheckpoint(view), CHECKPOINT_TIMEOUT_MS);
    }
  }

  private async writeCheckpoint(view: JobView): Promise<void> {
    const result = await checkpointRun({ nc: this.nc, js: this.js, jsm: this.jsm, store: this.store, ...this.checkpoints }, view.job_id, view.run);
    // Batches kept arriving between reading the last one and appending the checkpoint: thrown, so the next reconcile tries again.
    if (result === 'raced') throw new Error('outcome batches kept arriving; checkpoint not written');
    if (result) this.log.info({ job_id: view.job_id, run: view.run, ...result }, 'run outcomes checkpointed');
  }

  /** Outcome batches below a folded checkpoint of the running run are purged (every earlier run was compacted before it was written). */
  private async purgeBelow(view: JobView, seq: number): Promise<void> {
    const purged = await purgeOutcomesBelow(this.jsm, view.job_id, seq, this.checkpoints.blockMarkersBelow(view.job_id, seq));
    this.checkpoints.forgetBlockMarkersBelow(view.job_id, seq);
    this.log.info({ job_id: view.job_id, run: view.run, below_seq: seq, batches_purged: purged }, 'checkpointed outcomes purged');
  }

  /**
   * A deleted job's outcome batches and run summaries are purged: every one below `beforeSeq`
   * belongs to the deleted job, since at that point of the log no job of that id exists.
   */
  purgeDeleted(jobId: string, beforeSeq: number): void {
    this.once(`purge:${jobId}:${beforeSeq}`, { job_id: jobId }, async () => {
      for (const subject of [subjects.outcome(jobId), subjects.summary(jobId)]) await this.jsm.streams.purge(STREAMS.events, { filter: subject, seq: beforeSeq });
      await deleteBlockMarkers(this.jsm, this.checkpoints.blockMarkersBelow(jobId, beforeSeq));
      this.checkpoints.forgetBlockMarkersBelow(jobId, beforeSeq);
    });
  }

  /** True when reconcile has something to do for the view even though nothing new happened to it. */
  static needsAttention(view: JobView): boolean {
    return isActive(view.status) || nextRunToCompact(view) !== undefined;
  }

  private async deleteLate(view: JobView, { run, fromSeq, toSeq }: { run: number; fromSeq: number; toSeq: number }): Promise<void> {
    const deleted = await deleteLateBatches({ nc: this.nc, jsm: this.jsm }, view.job_id, run, fromSeq, toSeq);
    if (deleted > 0) this.log.info({ job_id: view.job_id, run, batches_purged: deleted }, 'late outcome batches deleted');
  }

  private async compact(view: JobView, run: RunSummary): Promise<void> {
    const result = await compactRun({ nc: this.nc, js: this.js, jsm: this.jsm, store: this.store, ...this.checkpoints }, view.job_id, run);
    if (result) this.log.info({ job_id: view.job_id, run: run.run, failed_kept: result.failed, batches_purged: result.purged, failures_from: result.failures_from }, 'run outcomes compacted');
  }

  /**
   * Runs the action unless it already succeeded or is under way. A failed or hung action
   * (a broker mid-election) is given up after ACTION_TIMEOUT_MS and tried again on the next
   * reconcile, which the projector also triggers periodically for active jobs.
   */
  private once(key: string, view: { job_id: string; run?: number }, action: () => Promise<unknown>, timeoutMs = ACTION_TIMEOUT_MS): void {
    if (this.done.has(key) || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    });
    Promise.race([action(), timeout])
      .then(() => this.done.add(key))
      .catch((err) => this.log.warn({ job_id: view.job_id, run: view.run, err: String(err), action: key }, 'reconcile action failed; will retry'))
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(key);
      });
  }

  private async ensureListingTask(view: JobView): Promise<void> {
    await publishListTask(this.js, { job_id: view.job_id, run: view.run });
  }

  /** Stops the run early (FailRun decides to nothing if it ended meanwhile); its leftover work is dropped as for any ended run. */
  private async failRun(view: JobView, error: string): Promise<void> {
    const { events } = await this.store.execute(view.job_id, {
      type: 'FailRun',
      data: { job_id: view.job_id, run: view.run, error },
      metadata: { now: new Date().toISOString() },
    });
    for (const event of events) this.log.warn({ job_id: view.job_id, run: view.run, event: event.type, error }, 'run stopped: failure threshold exceeded');
  }

  private async finishRun(view: JobView): Promise<void> {
    const { events } = await this.store.execute(view.job_id, {
      type: 'FinishRun',
      data: { job_id: view.job_id, run: view.run, counts: countsOf(view.progress) },
      metadata: { now: new Date().toISOString() },
    });
    for (const event of events) this.log.info({ job_id: view.job_id, run: view.run, event: event.type }, 'run ended');
  }
}
