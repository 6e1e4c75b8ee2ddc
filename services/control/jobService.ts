import type { NatsConnection } from 'nats';
import {
  FerryError,
  foldJob,
  jobNotFound,
  project,
  validateJobDefinition,
  JOB_STATUSES,
  type JobCommand,
  type JobEvent,
  type JobProjection,
  type JobStatus,
  type JobView,
  type StoredJobDefinition,
} from '../../libs/domain/index.js';
import {
  JobEventStore,
  ReadModel,
  encodeJson,
  publishDurably,
  removeRunWork,
  subjects,
  type ExecuteResult,
} from '../../libs/nats/index.js';
import type { SecretSealer } from '../../libs/secrets/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { JobHistory } from './history.js';

const READ_YOUR_WRITES_MS = 1500;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

type CommandType = Exclude<JobCommand['type'], 'CreateJob' | 'RecordListingCheckpoint' | 'CompleteListing' | 'FinishRun' | 'FailRun'>;

/**
 * The control service's application layer: validates requests, decides commands
 * against the job log, performs the side effects that follow an append, and
 * answers from the read model. Transport-agnostic: gRPC and REST both land here.
 */
export class JobService {
  private readonly js;
  private readonly past: JobHistory;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly store: JobEventStore,
    private readonly readModel: ReadModel,
    private readonly sealer: SecretSealer,
    private readonly log: Logger,
  ) {
    this.js = nc.jetstream();
    this.past = new JobHistory(nc, store);
  }

  /** Every lifecycle event of the job, paginated by sequence. */
  history(request: { job_id: string; page_size?: number; page_token?: string }) {
    return this.past.history(request);
  }

  /** The job folded from its log up to a sequence number or a time. */
  asOf(request: { job_id: string; as_of?: string }): Promise<JobView> {
    return this.past.asOf(request);
  }

  static async open(nc: NatsConnection, sealer: SecretSealer, log: Logger): Promise<JobService> {
    return new JobService(nc, await JobEventStore.open(nc), await ReadModel.open(nc), sealer, log);
  }

  async create(body: unknown): Promise<JobView> {
    const definition = validateJobDefinition(body);
    const { destination_secret_key, ...rest } = definition;
    const stored: StoredJobDefinition =
      destination_secret_key === undefined
        ? rest
        : { ...rest, destination_secret_key_sealed: await this.sealer.seal(definition.job_id, destination_secret_key) };
    const result = await this.store.execute(definition.job_id, {
      type: 'CreateJob',
      data: { definition: stored },
      metadata: { now: new Date().toISOString() },
    });
    this.log.info({ job_id: definition.job_id }, 'job created');
    return this.viewAfter(definition.job_id, result);
  }

  async command(type: CommandType, jobId: string): Promise<JobView> {
    const result = await this.store.execute(jobId, { type, data: { job_id: jobId }, metadata: { now: new Date().toISOString() } });
    const { state } = result;
    for (const event of result.events) this.log.info({ job_id: jobId, run: state.run, event: event.type }, 'job command applied');
    for (const event of result.events) await this.afterEvent(event);
    return this.viewAfter(jobId, result);
  }

  /** Side effects that follow an append. Each is idempotent and repeated by the projector's reconciler if we crash here. */
  private async afterEvent(event: JobEvent): Promise<void> {
    switch (event.type) {
      case 'RunStarted':
        await publishDurably(this.js, subjects.listTask(event.data.job_id), encodeJson({ job_id: event.data.job_id, run: event.data.run }), {
          msgID: `${event.data.job_id}:${event.data.run}:list`,
        });
        return;
      case 'JobCancelled':
        await removeRunWork(await this.nc.jetstreamManager(), event.data.job_id, event.data.run);
        return;
      case 'JobDeleted':
        await this.sealer.destroy(event.data.job_id);
        return;
      default:
        return;
    }
  }

  async get(jobId: string): Promise<JobView> {
    const view = await this.readModel.get(jobId);
    if (view) return view;
    // The projector may not have caught up yet: answer from the job's own log.
    const fallback = await this.viewFromLog(jobId);
    if (!fallback) throw jobNotFound(jobId);
    return fallback;
  }

  async list(request: { page_size?: number; page_token?: string; status?: string }): Promise<{ jobs: JobView[]; next_page_token: string }> {
    const pageSize = request.page_size ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      throw new FerryError('INVALID_ARGUMENT', `page_size: must be between 1 and ${MAX_PAGE_SIZE}`, [{ field: 'page_size', reason: 'out of range' }]);
    }
    const status = request.status || undefined;
    if (status !== undefined && !JOB_STATUSES.includes(status as JobStatus)) {
      throw new FerryError('INVALID_ARGUMENT', `status: must be one of ${JOB_STATUSES.join(', ')}`, [{ field: 'status', reason: 'unknown status' }]);
    }
    const after = request.page_token ? decodePageToken(request.page_token) : '';
    const views = (await this.readModel.all())
      .filter((v) => (status ? v.status === status : true) && v.job_id > after)
      .sort((a, b) => (a.job_id < b.job_id ? -1 : 1));
    const jobs = views.slice(0, pageSize || DEFAULT_PAGE_SIZE);
    const more = views.length > jobs.length;
    return { jobs, next_page_token: more ? encodePageToken(jobs[jobs.length - 1]!.job_id) : '' };
  }

  /** Waits briefly for the projector to fold the append so a caller reads its own write; falls back to the log. */
  private async viewAfter(jobId: string, result: ExecuteResult): Promise<JobView> {
    const deadline = Date.now() + READ_YOUR_WRITES_MS;
    while (Date.now() < deadline) {
      const view = await this.readModel.get(jobId);
      if (view && view.updated_seq >= result.lastSeq) return view;
      if (!view && !result.state.exists && result.events.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const view = await this.viewFromLog(jobId);
    if (!view) return { job_id: jobId, status: result.state.status } as JobView;
    return view;
  }

  /** Lifecycle-only view folded from the job's subject (no object counts): used while the projector lags. */
  private async viewFromLog(jobId: string): Promise<JobView | undefined> {
    const events = await this.store.read(jobId);
    if (!foldJob(jobId, events.map((e) => e.event)).exists) return undefined;
    let projection: JobProjection | undefined;
    for (const { seq, event } of events) projection = project(projection, event, seq);
    return projection?.view;
  }
}

function encodePageToken(jobId: string): string {
  return Buffer.from(jobId, 'utf8').toString('base64url');
}

function decodePageToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded || encodePageToken(decoded) !== token) {
    throw new FerryError('INVALID_ARGUMENT', 'page_token: is not a token this server issued', [{ field: 'page_token', reason: 'malformed' }]);
  }
  return decoded;
}
