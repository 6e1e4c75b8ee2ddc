import type { NatsConnection } from 'nats';
import {
  FerryError,
  decide,
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
  DEFAULT_PRIORITY,
  withNextRunAt,
  jobCredentialKinds,
  decodePageToken,
  pageAfter,
  pageSizeOf,
  validateJobChanges,
  type JobChanges,
} from '../../libs/domain/index.js';
import {
  JobEventStore,
  ReadModel,
  ReadModelCopy,
  decodeJson,
  jobToken,
  publishListTask,
  removeRunWork,
  setRunConcurrency,
  VersionLog,
  type ExecuteResult,
} from '../../libs/nats/index.js';
import { destinationEndpoint, sourceEndpoint, type SecretSealer } from '../../libs/secrets/index.js';
import { destinationAddressPolicy } from '../../libs/net/index.js';
import { randomBytes } from 'node:crypto';
import type { S3Endpoint } from '../../libs/s3/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { JobHistory } from './history.js';
import { checkDestinationVersioning } from './versioningCheck.js';
import { FailedReport } from './failedReport.js';
import { checkJobAddresses, type AddressSettings } from './addressChecks.js';
import { checkJob, failedSteps, refusalOf, type JobCheckReport } from './jobCheck.js';
import type { JobScheduler } from './scheduler/scheduler.js';

const READ_YOUR_WRITES_MS = 1500;
const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

interface PageRequest {
  job_id: string;
  page_size?: number;
  page_token?: string;
}

/** What control applies to every job it is asked to create, from the operator's configuration. */
export interface JobSettings {
  /** The source cluster's endpoint: a destination_endpoint equal to it is the same cluster. */
  sourceEndpoint?: string;
  /** Whether the deployment's source has static keys (else it uses the default credential chain). */
  sourceHasKeys?: boolean;
  /** The source's certificate is not checked (ferry.source.insecure_skip_verify): stamped on each job created, which records a warning. */
  sourceInsecureSkipVerify?: boolean;
  /** The deployment's source, which a job's roles are assumed from at start (unchecked when absent). */
  source?: S3Endpoint;
  addresses: AddressSettings;
  /** Check both buckets before a start and refuse it when one cannot be reached, is missing or refused (ferry.check_on_start). */
  checkOnStart?: boolean;
}

type CommandType = Exclude<JobCommand['type'], 'CreateJob' | 'UpdateJob' | 'SplitListing' | 'RecordListingCheckpoint' | 'CompleteListing' | 'FinishRun' | 'FailRun' | 'AdmitRun' | 'FireSchedule' | 'RecordBucketRegion' | 'PlanDeletion' | 'RecordDeletions' | 'CompleteDeletion' | 'RecordReport'>;

/**
 * The control service's application layer: validates requests, decides commands
 * against the job log, performs the side effects that follow an append, and
 * answers from the read model. Transport-agnostic: gRPC and REST both land here.
 */
export class JobService {
  private readonly js;
  private readonly past: JobHistory;
  private readonly report: FailedReport;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly store: JobEventStore,
    private readonly readModel: ReadModel,
    /** What GetJob and ListJobs answer from; the bucket itself while it is not complete. */
    private readonly copy: ReadModelCopy,
    private readonly sealer: SecretSealer,
    private readonly log: Logger,
    private readonly settings: JobSettings,
  ) {
    this.js = nc.jetstream();
    this.past = new JobHistory(nc, store);
    this.report = new FailedReport(nc, store);
  }

  /** The latest run's failed objects, paginated. */
  failed(request: PageRequest) {
    return this.report.failed(request);
  }

  /** What a verify run (the latest one by default) found different, paginated, with its counts. */
  async differences(request: PageRequest & { run?: number }) {
    const view = await this.get(request.job_id); // NOT_FOUND for an unknown job
    return this.report.differences(request, view.runs);
  }

  /** Recent worker errors of the latest run, newest first. */
  errors(request: PageRequest) {
    return this.report.errors(request);
  }

  /** Emits the job's view now and on every change of its read-model entry, until the job ends or is deleted. */
  async watch(jobId: string, emit: (view: JobView) => Promise<void> | void, signal: AbortSignal): Promise<void> {
    await this.get(jobId); // NOT_FOUND for an unknown job
    const iterator = await this.readModel.kv.watch({ key: jobToken(jobId) });
    const stop = () => iterator.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const entry of iterator) {
        if (entry.operation !== 'PUT' || entry.length === 0) return;
        const view = decodeJson<JobView>(entry.value);
        await emit(view);
        if (TERMINAL.has(view.status)) return;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      iterator.stop();
    }
  }

  /** Every lifecycle event of the job, paginated by sequence. */
  history(request: { job_id: string; page_size?: number; page_token?: string }) {
    return this.past.history(request);
  }

  /** The job folded from its log up to a sequence number or a time. */
  asOf(request: { job_id: string; as_of?: string }): Promise<JobView> {
    return this.past.asOf(request);
  }

  static async open(nc: NatsConnection, views: { readModel: ReadModel; copy: ReadModelCopy }, sealer: SecretSealer, log: Logger, settings: JobSettings): Promise<JobService> {
    return new JobService(nc, await JobEventStore.open(nc), views.readModel, views.copy, sealer, log, settings);
  }

  /** The operator's address policy settings, which a dry run applies too. */
  get addresses(): AddressSettings {
    return this.settings.addresses;
  }

  /** `actor`: the name of the API token asking, recorded in the job's events. */
  async create(body: unknown, actor?: string): Promise<JobView> {
    const definition = validateJobDefinition(body, { sourceEndpoint: this.settings.sourceEndpoint });
    await checkJobAddresses(definition, this.settings.addresses);
    const { destination_secret_key, webhook_secret, ...rest } = definition;
    const stored: StoredJobDefinition = { ...rest, ...jobCredentialKinds(definition, this.settings.sourceHasKeys ?? true) };
    if (this.settings.sourceInsecureSkipVerify) stored.source_insecure_skip_verify = true;
    if (destination_secret_key !== undefined) stored.destination_secret_key_sealed = await this.sealer.seal(definition.job_id, destination_secret_key);
    if (webhook_secret !== undefined) stored.webhook_secret_sealed = await this.sealer.seal(definition.job_id, webhook_secret);
    const result = await this.store.execute(definition.job_id, {
      type: 'CreateJob',
      data: { definition: stored },
      metadata: { now: new Date().toISOString(), actor },
    });
    this.log.info({ job_id: definition.job_id, run: result.state.run, actor }, 'job created');
    return withNextRunAt(await this.viewAfter(definition.job_id, result), new Date());
  }

  /**
   * A schedule firing, decided against the job's log so that of several control processes exactly one
   * records it. Goes through the start path: a slot is claimed first, and without one the run is queued.
   */
  async fireSchedule(jobId: string, fire_time: string): Promise<JobEvent[]> {
    const now = new Date().toISOString();
    const { state } = await this.store.load(jobId);
    const [decided] = decide({ type: 'FireSchedule', data: { job_id: jobId, fire_time }, metadata: { now } }, state);
    let queue = false;
    if (decided?.type === 'RunStarted' && this.scheduler) {
      const priority = state.definition?.priority ?? DEFAULT_PRIORITY;
      queue = !(await this.scheduler.claim({ job_id: jobId, run: decided.data.run, priority, requested_at: now }));
    }
    const result = await this.store.execute(jobId, { type: 'FireSchedule', data: { job_id: jobId, fire_time, queue }, metadata: { now } });
    for (const event of result.events) {
      this.log.info({ job_id: jobId, run: result.state.run, event: event.type, fire_time }, 'schedule fired');
      await this.afterEvent(event);
      if (event.type === 'RunQueued' && this.scheduler) {
        const { run, priority, at } = event.data;
        await this.scheduler.kick({ job_id: jobId, run, priority, requested_at: at });
      }
    }
    return result.events;
  }

  private scheduler?: JobScheduler;

  /** With a scheduler, a run starts only after winning a max_concurrent_jobs slot. */
  useScheduler(scheduler: JobScheduler): void {
    this.scheduler = scheduler;
  }

  /** A free slot is claimed first and the run starts at once; with none free the run is queued (RunQueued) for the scheduler. */
  private async start(jobId: string, scheduler: JobScheduler, retry_failed: boolean, actor: string | undefined): Promise<JobView> {
    const now = new Date().toISOString();
    const loaded = await this.store.load(jobId);
    const [request] = decide({ type: 'QueueRun', data: { job_id: jobId, retry_failed }, metadata: { now } }, loaded.state); // refuses what start may not do
    if (request?.type === 'RunQueued') {
      const { run, priority } = request.data;
      if (await scheduler.claim({ job_id: jobId, run, priority, requested_at: now })) return this.apply(retry_failed ? 'RetryFailed' : 'StartJob', jobId, actor);
    }
    const queued = await this.store.execute(jobId, { type: 'QueueRun', data: { job_id: jobId, retry_failed }, metadata: { now, actor } });
    const q = queued.state.queued!;
    this.log.info({ job_id: jobId, run: q.run, priority: q.priority, actor }, 'run queued');
    await scheduler.kick({ job_id: jobId, run: q.run, priority: q.priority, requested_at: q.requested_at });
    const { state, lastSeq } = await this.store.load(jobId);
    return this.withQueuePosition(await this.viewAfter(jobId, { state, events: queued.events, lastSeq }));
  }

  /**
   * Assumes the job's roles (one STS call each, cached and refreshed for this process's copies) so that a
   * role the user may not assume refuses the start with PERMISSION_DENIED naming it, instead of a failing run.
   */
  private async checkRoles(jobId: string): Promise<void> {
    const { source } = this.settings;
    const definition = (await this.store.load(jobId)).state.definition;
    if (!source || !definition) return;
    if (definition.source_role_arn) await sourceEndpoint(definition, source);
    if (definition.destination_role_arn) await destinationEndpoint(definition, source, this.sealer);
  }

  /**
   * The pre-flight check of both buckets, step by step; with `writeProbe`, a zero-byte object is written
   * in the destination bucket and deleted. Nothing is appended to the job's log.
   */
  async check(jobId: string, writeProbe: boolean): Promise<JobCheckReport> {
    const { state } = await this.store.load(jobId);
    if (!state.exists || !state.definition) throw jobNotFound(jobId);
    const report = await this.runCheck(state.definition, writeProbe ? randomBytes(8).toString('hex') : undefined);
    this.log.info({ job_id: jobId, ok: report.ok, write_probe: writeProbe, failed: failedSteps(report) }, 'job checked');
    return report;
  }

  private runCheck(definition: StoredJobDefinition, probeNonce?: string): Promise<JobCheckReport> {
    const { source } = this.settings;
    if (!source) throw new FerryError('FAILED_PRECONDITION', 'checking a job needs the source endpoint in this control process: set FERRY_SOURCE_ENDPOINT (ferry.source.endpoint)');
    const policy = destinationAddressPolicy(this.settings.addresses.allowLinkLocalDestinations);
    return checkJob(definition, { source, sealer: this.sealer, policy }, probeNonce);
  }

  /**
   * Before a start the buckets are checked (without the write probe), once the command is known to be
   * allowed: a bucket that is missing, refused or cannot be reached refuses the start naming it and the
   * cause, instead of a run that fails at listing. Transient answers (5xx, throttling) do not refuse it.
   */
  private async checkBeforeStart(type: 'StartJob' | 'RetryFailed', jobId: string): Promise<void> {
    if (!this.settings.checkOnStart || !this.settings.source) return;
    const { state } = await this.store.load(jobId);
    decide({ type, data: { job_id: jobId }, metadata: { now: new Date().toISOString() } }, state); // throws what the command itself would
    if (!state.definition) return;
    const report = await this.runCheck(state.definition);
    const refusal = refusalOf(report);
    if (!refusal) return;
    this.log.warn({ job_id: jobId, failed: failedSteps(report), error: refusal.message }, 'start refused: pre-flight check failed');
    throw refusal;
  }

  /** A `versions: all` job starts only into a destination bucket with versioning Enabled (versioningCheck.ts). */
  private async checkVersioning(type: 'StartJob' | 'RetryFailed', jobId: string): Promise<void> {
    const { source } = this.settings;
    const { state } = await this.store.load(jobId);
    const definition = state.definition;
    if (!source || !definition?.versions) return;
    decide({ type, data: { job_id: jobId }, metadata: { now: new Date().toISOString() } }, state); // throws what the command itself would
    try {
      await checkDestinationVersioning(definition, source, this.sealer, destinationAddressPolicy(this.settings.addresses.allowLinkLocalDestinations));
    } catch (err) {
      if (err instanceof FerryError) this.log.warn({ job_id: jobId, error: err.message }, 'start refused: destination versioning');
      throw err;
    }
  }

  private withQueuePosition(view: JobView): JobView {
    view = withNextRunAt(view, new Date());
    const position = view.queued ? this.scheduler?.queuePosition(view.job_id) : undefined;
    return position === undefined ? view : { ...view, queue_position: position };
  }

  /**
   * Changes run settings (UpdateJob). The new concurrency reaches the run's work consumer here (it caps
   * copies in flight across all copiers); copiers follow the rest from the read model.
   */
  async update(jobId: string, request: JobChanges, actor?: string): Promise<JobView> {
    const changes = validateJobChanges(request);
    const result = await this.store.execute(jobId, { type: 'UpdateJob', data: { job_id: jobId, changes }, metadata: { now: new Date().toISOString(), actor } });
    this.log.info({ job_id: jobId, run: result.state.run, changes, actor }, 'job updated');
    for (const event of result.events) await this.afterEvent(event);
    return this.withQueuePosition(await this.viewAfter(jobId, result));
  }

  /** `actor`: the name of the API token asking, recorded in the job's events. */
  async command(type: CommandType, jobId: string, actor?: string): Promise<JobView> {
    if (type === 'StartJob' || type === 'RetryFailed') {
      await this.checkRoles(jobId);
      await this.checkBeforeStart(type, jobId);
      await this.checkVersioning(type, jobId);
    }
    if (type === 'VerifyJob') await this.checkRoles(jobId);
    if ((type === 'StartJob' || type === 'RetryFailed') && this.scheduler) return this.start(jobId, this.scheduler, type === 'RetryFailed', actor);
    return this.apply(type, jobId, actor);
  }

  private async apply(type: CommandType, jobId: string, actor: string | undefined): Promise<JobView> {
    const result = await this.store.execute(jobId, { type, data: { job_id: jobId }, metadata: { now: new Date().toISOString(), actor } });
    const { state } = result;
    for (const event of result.events) this.log.info({ job_id: jobId, run: state.run, event: event.type, actor }, 'job command applied');
    for (const event of result.events) await this.afterEvent(event);
    return this.viewAfter(jobId, result);
  }

  /** Side effects that follow an append. Each is idempotent and repeated by the projector's reconciler if we crash here. */
  private async afterEvent(event: JobEvent): Promise<void> {
    switch (event.type) {
      case 'RunStarted':
        await publishListTask(this.js, { job_id: event.data.job_id, run: event.data.run });
        return;
      case 'JobCancelled':
        await removeRunWork(await this.nc.jetstreamManager(), event.data.job_id, event.data.run);
        return;
      case 'JobDeleted':
        await this.sealer.destroy(event.data.job_id);
        await VersionLog.forget(this.nc, event.data.job_id);
        return;
      case 'JobUpdated':
        // Copiers set it too as they follow the change; here it holds at once, with or without them.
        if (event.data.changes.concurrency !== undefined && event.data.run > 0) {
          await setRunConcurrency(await this.nc.jetstreamManager(), event.data.job_id, event.data.run, event.data.changes.concurrency);
        }
        return;
      default:
        return;
    }
  }

  async get(jobId: string): Promise<JobView> {
    const view = this.copy.get(jobId) ?? (await this.readModel.get(jobId));
    if (view) return this.withQueuePosition(view);
    // The projector may not have caught up yet: answer from the job's own log.
    const fallback = await this.viewFromLog(jobId);
    if (!fallback) throw jobNotFound(jobId);
    return fallback;
  }

  async list(request: { page_size?: number; page_token?: string; status?: string }): Promise<{ jobs: JobView[]; next_page_token: string }> {
    const size = pageSizeOf(request.page_size);
    const status = request.status || undefined;
    if (status !== undefined && !JOB_STATUSES.includes(status as JobStatus)) {
      throw new FerryError('INVALID_ARGUMENT', `status: must be one of ${JOB_STATUSES.join(', ')}`, [{ field: 'status', reason: 'unknown status' }]);
    }
    const after = decodePageToken(request.page_token);
    const views = (this.copy.all() ?? (await this.readModel.all()))
      .filter((v) => (status ? v.status === status : true) && v.job_id > after)
      .sort((a, b) => (a.job_id < b.job_id ? -1 : 1));
    const { items, next_page_token } = pageAfter(views, size, (view) => view.job_id);
    return { jobs: items.map((v) => this.withQueuePosition(v)), next_page_token };
  }

  /** Waits briefly for the projector to fold the append so a caller reads its own write; falls back to the log. */
  private async viewAfter(jobId: string, result: ExecuteResult): Promise<JobView> {
    const deadline = Date.now() + READ_YOUR_WRITES_MS;
    while (Date.now() < deadline) {
      // Waiting for the copy's view, not the bucket's, so that the caller's next GET (answered from the copy) sees it too.
      const view = this.copy.get(jobId) ?? (await this.readModel.get(jobId));
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
