import type { NatsConnection } from 'nats';
import {
  FerryError,
  differencesOnly,
  failuresOnly,
  jobNotFound,
  offsetPage,
  recentErrors,
  runSpan,
  runStopError,
  type FailedObject,
  type JobError,
  type JobEvent,
  type RunCounts,
  type RunSummary,
} from '../../libs/domain/index.js';
import { readRunFailures, type JobEventStore } from '../../libs/nats/index.js';

const MAX_ERRORS = 100;

interface PageRequest {
  job_id: string;
  page_size?: number;
  page_token?: string;
}

/**
 * GET .../failed, GET .../errors and GET .../differences, answered from the log: a run's outcomes are
 * read from its RunStarted on, or from its failure summary once they were compacted. No extra read model
 * to keep in step, and failures are rare enough that a report's cost (one ordered read of one run's
 * outcome batches) is fine. A verify run's differences travel with its failures (FailedObject.difference).
 */
export class FailedReport {
  constructor(
    private readonly nc: NatsConnection,
    private readonly store: JobEventStore,
  ) {}

  /** Failures of the job's latest run (what retry-failed would copy again), its retried attempts, and the error that stopped it. */
  private async latestRun(jobId: string): Promise<{ failed: FailedObject[]; retried: JobError[]; stopped?: JobError }> {
    const { state } = await this.store.load(jobId);
    if (!state.exists) throw jobNotFound(jobId);
    const events = await this.store.read(jobId);
    const span = runSpan(events);
    if (!span) return { failed: [], retried: [] };
    const { failed, retried } = await readRunFailures(this.nc, jobId, span, MAX_ERRORS);
    return { failed: failuresOnly(failed), retried, stopped: runStopError(events, span) };
  }

  async failed({ job_id, page_size, page_token }: PageRequest) {
    const page = offsetPage((await this.latestRun(job_id)).failed, page_size, page_token);
    const failed_objects = page.items.map(({ key, error, attempts, last_attempt, run }) => ({ key, error, attempts, last_attempt, run }));
    return { job_id, failed_objects, next_page_token: page.next_page_token };
  }

  async errors({ job_id, page_size, page_token }: PageRequest) {
    const { failed, retried, stopped } = await this.latestRun(job_id);
    const page = offsetPage(recentErrors(failed, MAX_ERRORS, stopped ? [...retried, stopped] : retried), page_size, page_token);
    return { job_id, errors: page.items, next_page_token: page.next_page_token };
  }

  /**
   * The keys a verify run found missing, differing or extra, in key order (their ordinals follow it), with
   * the run's status and counts from `runs` (the job's view). `run` absent: the latest verify run.
   */
  async differences({ job_id, run, page_size, page_token }: PageRequest & { run?: number }, runs: RunSummary[]) {
    const events = await this.store.read(job_id);
    const number = run ?? latestVerifyRun(events);
    if (number === undefined) throw new FerryError('NOT_FOUND', `job ${job_id} has no verify run: start one with POST /admin/batch/jobs/${job_id}/verify`);
    const started = events.find(({ event }) => event.type === 'RunStarted' && event.data.run === number)?.event;
    if (started?.type !== 'RunStarted') throw new FerryError('NOT_FOUND', `job ${job_id} has no run ${number}`, [{ field: 'run', reason: 'no such run' }]);
    if (started.data.kind !== 'verify') throw new FerryError('FAILED_PRECONDITION', `run ${number} of job ${job_id} is a copy run; differences come from verify runs`, [{ field: 'run', reason: 'not a verify run' }]);
    const span = runSpan(events, number)!;
    const found = differencesOnly((await readRunFailures(this.nc, job_id, span)).failed);
    const page = offsetPage(found, page_size, page_token);
    const summary = runs.find((r) => r.run === number);
    const counts: RunCounts | undefined = summary?.counts;
    return {
      job_id,
      run: number,
      status: summary?.status ?? endedAs(events, span.endSeq),
      ...(counts ? { counts } : {}),
      differences: page.items.map(({ key, difference, error, size }) => ({ key, difference: difference!, detail: error, size })),
      next_page_token: page.next_page_token,
    };
  }
}

/** How a run no longer in the view's recent runs ended, from the event that ended it. */
function endedAs(events: Array<{ seq: number; event: JobEvent }>, endSeq: number | undefined): string {
  const ending = endSeq === undefined ? undefined : events.find(({ seq }) => seq === endSeq)?.event.type;
  return ending === 'RunCompleted' ? 'completed' : ending === 'RunFailed' ? 'failed' : ending === 'JobCancelled' ? 'cancelled' : 'running';
}

function latestVerifyRun(events: Array<{ event: JobEvent }>): number | undefined {
  let run: number | undefined;
  for (const { event } of events) {
    if (event.type === 'RunStarted' && event.data.kind === 'verify') run = event.data.run;
    else if (event.type === 'JobCreated') run = undefined; // a re-created job starts afresh
  }
  return run;
}
