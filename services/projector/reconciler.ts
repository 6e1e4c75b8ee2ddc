import type { JetStreamClient, JetStreamManager } from 'nats';
import { isActive, runIsOver, countsOf, type JobView } from '../../libs/domain/index.js';
import { encodeJson, publishDurably, removeRunWork, subjects, type JobEventStore } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';

/**
 * Acts on what the read model says, not on single events, so replaying history
 * never repeats a side effect: makes sure an active run has a listing task,
 * ends a run whose objects all have outcomes (the only place that happens), and
 * drops a finished run's leftover work. Every action is idempotent.
 */
const ACTION_TIMEOUT_MS = 20_000;

export class Reconciler {
  private readonly done = new Set<string>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly store: JobEventStore,
    private readonly log: Logger,
  ) {}

  reconcile(view: JobView): void {
    const run = `${view.job_id}:${view.run}`;
    if (isActive(view.status) && !view.progress.listing_complete) this.once(`list:${run}`, view, () => this.ensureListingTask(view));
    if (runIsOver(view)) this.once(`finish:${run}`, view, () => this.finishRun(view));
    if (!isActive(view.status) && view.run > 0) this.once(`cleanup:${run}`, view, () => removeRunWork(this.jsm, view.job_id, view.run));
  }

  /**
   * Runs the action unless it already succeeded or is under way. A failed or hung action
   * (a broker mid-election) is given up after ACTION_TIMEOUT_MS and tried again on the next
   * reconcile, which the projector also triggers periodically for active jobs.
   */
  private once(key: string, view: JobView, action: () => Promise<unknown>): void {
    if (this.done.has(key) || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ACTION_TIMEOUT_MS} ms`)), ACTION_TIMEOUT_MS);
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
    await publishDurably(this.js, subjects.listTask(view.job_id), encodeJson({ job_id: view.job_id, run: view.run }), {
      msgID: `${view.job_id}:${view.run}:list`,
    });
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
