import type { ServiceHandlers } from '../../libs/transport/index.js';
import type { JobService } from './jobService.js';

interface JobRef {
  job_id: string;
}

/** gRPC methods of ferry.v1.BatchJobs mapped onto the job service. Unlisted RPCs answer UNIMPLEMENTED. */
export function jobHandlers(jobs: JobService): ServiceHandlers {
  return {
    CreateJob: (request: unknown) => jobs.create(request),
    GetJob: ({ job_id }: JobRef) => jobs.get(job_id),
    ListJobs: (request: { page_size?: number; page_token?: string; status?: string }) => jobs.list(request),
    StartJob: ({ job_id }: JobRef) => jobs.command('StartJob', job_id),
    PauseJob: ({ job_id }: JobRef) => jobs.command('PauseJob', job_id),
    ResumeJob: ({ job_id }: JobRef) => jobs.command('ResumeJob', job_id),
    CancelJob: ({ job_id }: JobRef) => jobs.command('CancelJob', job_id),
    DeleteJob: async ({ job_id }: JobRef) => {
      await jobs.command('DeleteJob', job_id);
      return { job_id, deleted: true };
    },
  };
}
