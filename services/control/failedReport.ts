import type { NatsConnection } from 'nats';
import { jobNotFound, offsetPage, recentErrors, runSpan, runStopError, type FailedObject, type JobError } from '../../libs/domain/index.js';
import { readRunFailures, type JobEventStore } from '../../libs/nats/index.js';

const MAX_ERRORS = 100;

interface PageRequest {
  job_id: string;
  page_size?: number;
  page_token?: string;
}

/**
 * GET .../failed and GET .../errors, answered from the log: the latest run's outcomes are
 * read from its RunStarted on, or from its failure summary once they were compacted. No extra read model to keep in step, and failures are rare
 * enough that a report's cost (one ordered read of one run's outcome batches) is fine.
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
    return { ...(await readRunFailures(this.nc, jobId, span, MAX_ERRORS)), stopped: runStopError(events, span) };
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
}
