import type { CallContext, ServiceHandlers } from '../../libs/transport/index.js';
import type { NotificationLog } from '../../libs/webhooks/index.js';
import type { S3Endpoint } from '../../libs/s3/index.js';
import { JOB_ID_PATTERN, invalidField } from '../../libs/domain/index.js';
import type { JobService } from './jobService.js';
import { dryRun } from './dryRun.js';

interface JobRef {
  job_id: string;
}

/** gRPC methods of ferry.v1.BatchJobs mapped onto the job service. Unlisted RPCs answer UNIMPLEMENTED. */
export function jobHandlers(jobs: JobService, notifications?: NotificationLog, source?: S3Endpoint): ServiceHandlers {
  return withJobIdChecked({
    // dry_run is a request option, not part of the job: a dry run answers a report and creates nothing.
    CreateJob: ({ dry_run, dry_run_key_limit, ...spec }: { dry_run?: boolean; dry_run_key_limit?: number }) => {
      if (dry_run) return dryRun(spec, source, jobs.addresses, dry_run_key_limit);
      if (dry_run_key_limit !== undefined) throw invalidField('dry_run_key_limit', 'applies only with dry_run: true');
      return jobs.create(spec);
    },
    GetJob: (request: { job_id: string; as_of?: string }) => (request.as_of ? jobs.asOf(request) : jobs.get(request.job_id)),
    ListJobs: (request: { page_size?: number; page_token?: string; status?: string }) => jobs.list(request),
    StartJob: ({ job_id }: JobRef) => jobs.command('StartJob', job_id),
    PauseJob: ({ job_id }: JobRef) => jobs.command('PauseJob', job_id),
    ResumeJob: ({ job_id }: JobRef) => jobs.command('ResumeJob', job_id),
    CancelJob: ({ job_id }: JobRef) => jobs.command('CancelJob', job_id),
    RetryFailed: ({ job_id }: JobRef) => jobs.command('RetryFailed', job_id),
    ListFailedObjects: (request: PageRequest) => jobs.failed(request),
    ListJobErrors: (request: PageRequest) => jobs.errors(request),
    CheckJob: ({ job_id, write_probe }: { job_id: string; write_probe?: boolean }) => jobs.check(job_id, write_probe ?? false),
    WatchJob: ({ job_id }: JobRef, _ctx: CallContext, emit: (view: unknown) => Promise<void> | void, signal: AbortSignal) => jobs.watch(job_id, emit, signal),
    GetJobHistory: (request: { job_id: string; page_size?: number; page_token?: string }) => jobs.history(request),
    GetJobAsOf: (request: { job_id: string; as_of?: string }) => jobs.asOf(request),
    DeleteJob: async ({ job_id }: JobRef) => {
      await jobs.command('DeleteJob', job_id);
      return { job_id, deleted: true };
    },
    ...(notifications ? { ListNotifications: (request: PageRequest) => listNotifications(jobs, notifications, request) } : {}),
  });
}

/**
 * A job id becomes a NATS subject token and KV key, where `*`, `>`, spaces or 10 KB would match other
 * jobs' events or stall the request: every RPC naming an existing job refuses ids CreateJob could not
 * have made (an empty id arrives as absent). CreateJob checks its own; ListJobs names no job.
 */
const WITHOUT_JOB_ID: ReadonlySet<string> = new Set(['CreateJob', 'ListJobs']);

function withJobIdChecked(handlers: ServiceHandlers): ServiceHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([rpc, handler]) => {
      if (WITHOUT_JOB_ID.has(rpc)) return [rpc, handler];
      const checked = (request: { job_id?: unknown }, ...rest: unknown[]) => {
        if (typeof request.job_id !== 'string' || !JOB_ID_PATTERN.test(request.job_id)) {
          throw invalidField('job_id', `must match ${JOB_ID_PATTERN.source}`);
        }
        return (handler as (...args: unknown[]) => unknown)(request, ...rest);
      };
      return [rpc, checked as typeof handler];
    }),
  );
}

interface PageRequest {
  job_id: string;
  page_size?: number;
  page_token?: string;
}

async function listNotifications(jobs: JobService, notifications: NotificationLog, { job_id, page_size, page_token }: PageRequest) {
  await jobs.get(job_id); // NOT_FOUND for an unknown job
  const page = await notifications.list(job_id, page_size ?? 0, page_token ?? '');
  return { job_id, notifications: page.notifications.map(({ body: _body, ...record }) => record), next_page_token: page.next_page_token };
}
