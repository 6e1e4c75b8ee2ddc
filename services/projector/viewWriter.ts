import { viewAt, type JobView } from '../../libs/domain/index.js';
import type { ReadModel } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';
import type { ProjectorState } from './projectorState.js';
import type { Reconciler } from './reconciler.js';

/**
 * Writes the views of the jobs whose projection changed (or whose rate and ETA decayed) to the read
 * model, in flushes that never overlap, and hands each written view to the reconciler. Views are
 * outputs: a job missing from the state is removed from the read model.
 */
export class ViewWriter {
  /** Every event up to here is folded and its views written. */
  flushedSeq: number;
  /** Whether the log's end as of the start (`catchUpSeq`) has been flushed. */
  caughtUp = false;
  private readonly dirty = new Set<string>();
  private readonly waiters: Array<{ seq: number; resolve: () => void }> = [];
  /** Rate and ETA as last written per active job: a view is rewritten when they decayed since. */
  private readonly writtenRate = new Map<string, string>();
  private flushing = Promise.resolve();
  private flushScheduled = false;
  private closed = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly state: ProjectorState,
    private readonly readModel: ReadModel,
    private readonly reconciler: Reconciler,
    private readonly log: Logger,
    private readonly catchUpSeq: number,
  ) {
    this.flushedSeq = state.seq;
  }

  /**
   * Rewrites every view of the state resumed from, and removes the views of jobs it no longer has, so a
   * crash between folding and flushing can never leave a stale entry behind.
   */
  async markAllForRewrite(): Promise<void> {
    for (const jobId of this.state.jobs.keys()) this.dirty.add(jobId);
    for (const view of await this.readModel.all()) if (!this.state.jobs.has(view.job_id)) this.dirty.add(view.job_id);
  }

  changed(jobId: string): void {
    this.dirty.add(jobId);
  }

  /** Resolves once every event up to `seq` is folded and flushed. */
  waitFor(seq: number): Promise<void> {
    if (seq <= this.flushedSeq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** The periodic flush: after catching up, views whose rate decayed are written too. */
  tick(): void {
    if (this.closed) return;
    if (this.caughtUp) this.markDecayed(Date.now());
    this.flushNext();
  }

  /** A flush after the messages already received are folded (setImmediate), so one flush covers them all. */
  flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.closed) this.flushNext();
    });
  }

  /** Waits for the flush under way, then flushes what is left. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.flush().catch((err: unknown) => this.log.error({ err }, 'read model flush at stop failed; the next start folds those events again'));
  }

  private flushNext(): void {
    this.flushing = this.flushing.then(() => this.flush()).catch((err: unknown) => this.log.error({ err }, 'read model flush failed'));
  }

  private markDecayed(nowMs: number): void {
    for (const [jobId, projection] of this.state.jobs) {
      if (this.dirty.has(jobId) || !this.writtenRate.has(jobId)) continue;
      if (rateKey(viewAt(projection, nowMs)) !== this.writtenRate.get(jobId)) this.dirty.add(jobId);
    }
  }

  private async flush(): Promise<void> {
    const seq = this.state.seq;
    const jobs = [...this.dirty];
    this.dirty.clear();
    const now = Date.now();
    for (const [i, jobId] of jobs.entries()) {
      try {
        await this.write(jobId, now, seq);
      } catch (err) {
        // Not written (e.g. no KV leader during an election): keep it and the rest dirty for the next flush,
        // else a view whose last events were folded meanwhile stays stale and its run never ends.
        for (const unwritten of jobs.slice(i)) this.dirty.add(unwritten);
        throw err;
      }
    }
    this.flushedSeq = seq;
    if (!this.caughtUp && this.flushedSeq >= this.catchUpSeq) {
      this.caughtUp = true;
      this.log.info({ seq: this.flushedSeq, jobs: this.state.jobs.size, elapsed_ms: Date.now() - this.startedAt }, 'projector caught up');
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.seq <= this.flushedSeq) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  private async write(jobId: string, now: number, seq: number): Promise<void> {
    const projection = this.state.jobs.get(jobId);
    if (!projection) {
      this.writtenRate.delete(jobId);
      await this.readModel.remove(jobId);
      this.reconciler.purgeDeleted(jobId, seq + 1);
      return;
    }
    const view = viewAt(projection, now);
    await this.readModel.put(jobId, view);
    if (view.status === 'running' || view.status === 'paused') this.writtenRate.set(jobId, rateKey(view));
    else this.writtenRate.delete(jobId);
    this.reconciler.reconcile(projection.view);
  }
}

const rateKey = (view: JobView) => `${view.progress.current_rate_bytes_sec}:${view.progress.estimated_completion ?? ''}`;
