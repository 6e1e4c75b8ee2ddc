import type { RequestOf, ResponseOf, RpcName, StreamingRpc } from '../../libs/api/index.js';
import type { CallContext, ServiceHandlers } from '../../libs/transport/index.js';
import type { NotificationLog } from '../../libs/webhooks/index.js';
import type { S3Endpoint } from '../../libs/s3/index.js';
import { JOB_ID_PATTERN, invalidField } from '../../libs/domain/index.js';
import type { JobService } from './jobService.js';
import { dryRun } from './dryRun.js';

/** RPCs whose request names no existing job; every other request's job_id is checked before its handler runs. */
type WithoutJobId = 'CreateJob' | 'ListJobs';
type Request<R extends RpcName> = R extends WithoutJobId ? RequestOf<R> : RequestOf<R> & { job_id: string };

/** A handler per RPC of ferry.v1.BatchJobs, typed by the proto's request and response messages. */
type BatchJobsHandlers = {
  [R in RpcName]?: R extends StreamingRpc
    ? (request: Request<R>, ctx: CallContext, emit: (message: ResponseOf<R>) => Promise<void> | void, signal: AbortSignal) => Promise<void>
    : (request: Request<R>, ctx: CallContext) => Promise<ResponseOf<R>>;
};

/** gRPC methods of ferry.v1.BatchJobs mapped onto the job service. Unlisted RPCs answer UNIMPLEMENTED. */
export function jobHandlers(jobs: JobService, notifications?: NotificationLog, source?: S3Endpoint): ServiceHandlers {
  const handlers: BatchJobsHandlers = {
    // dry_run is a request option, not part of the job: a dry run answers a report and creates nothing.
    CreateJob: ({ dry_run, dry_run_key_limit, ...spec }, { actor }) => {
      if (dry_run) return dryRun(spec, source, jobs.addresses, dry_run_key_limit);
      if (dry_run_key_limit !== undefined) throw invalidField('dry_run_key_limit', 'applies only with dry_run: true');
      return jobs.create(spec, actor);
    },
    GetJob: (request) => (request.as_of ? jobs.asOf(request) : jobs.get(request.job_id)),
    ListJobs: (request) => jobs.list(request),
    StartJob: ({ job_id }, { actor }) => jobs.command('StartJob', job_id, actor),
    UpdateJob: ({ job_id, ...changes }, { actor }) => jobs.update(job_id, changes, actor),
    PauseJob: ({ job_id }, { actor }) => jobs.command('PauseJob', job_id, actor),
    ResumeJob: ({ job_id }, { actor }) => jobs.command('ResumeJob', job_id, actor),
    CancelJob: ({ job_id }, { actor }) => jobs.command('CancelJob', job_id, actor),
    RetryFailed: ({ job_id }, { actor }) => jobs.command('RetryFailed', job_id, actor),
    VerifyJob: ({ job_id }, { actor }) => jobs.command('VerifyJob', job_id, actor),
    ListDifferences: (request) => jobs.differences(request),
    ListFailedObjects: (request) => jobs.failed(request),
    ListJobErrors: (request) => jobs.errors(request),
    CheckJob: ({ job_id, write_probe }) => jobs.check(job_id, write_probe ?? false),
    WatchJob: ({ job_id }, _ctx, emit, signal) => jobs.watch(job_id, emit, signal),
    GetJobHistory: (request) => jobs.history(request),
    GetJobAsOf: (request) => jobs.asOf(request),
    DeleteJob: async ({ job_id }, { actor }) => {
      await jobs.command('DeleteJob', job_id, actor);
      return { job_id, deleted: true };
    },
    ...(notifications ? { ListNotifications: (request: Request<'ListNotifications'>) => listNotifications(jobs, notifications, request) } : {}),
  };
  return withJobIdChecked(handlers as ServiceHandlers);
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

async function listNotifications(
  jobs: JobService,
  notifications: NotificationLog,
  { job_id, page_size, page_token }: Request<'ListNotifications'>,
): Promise<ResponseOf<'ListNotifications'>> {
  await jobs.get(job_id); // NOT_FOUND for an unknown job
  const page = await notifications.list(job_id, page_size ?? 0, page_token ?? '');
  return { job_id, notifications: page.notifications.map(({ body: _body, ...record }) => record), next_page_token: page.next_page_token };
}
