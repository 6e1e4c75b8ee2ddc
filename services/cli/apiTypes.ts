import type { FailedObject, HistoryEntry, JobError, JobView } from '../../libs/domain/index.js';
import type { BucketCheck, CheckStep } from '../../libs/s3/index.js';

/**
 * The API's answers as the CLI reads them: the server's own types, with every field but the id and
 * status optional, since a proto3 answer leaves out fields at their default.
 */
export type ApiJob = Partial<JobView> & { job_id: string; status: string };

/** A create with dry_run: what the job would copy. */
export interface DryRunAnswer {
  job_id: string;
  object_count?: number;
  total_bytes?: number;
  first_keys?: string[];
  identical_at_destination?: number;
}

export interface CheckAnswer {
  job_id?: string;
  ok?: boolean;
  buckets?: Array<Partial<Omit<BucketCheck, 'steps'>> & { steps?: CheckStep[] }>;
}

/** The paged list answers, by the field that holds their items. */
export interface PagedAnswers {
  jobs: ApiJob;
  failed_objects: FailedObject;
  errors: JobError;
  events: HistoryEntry;
}

export type Page<F extends keyof PagedAnswers> = { next_page_token?: string } & Partial<Record<F, Array<PagedAnswers[F]>>>;
