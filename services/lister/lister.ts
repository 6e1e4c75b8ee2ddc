import { AckPolicy, nanos, type JsMsg, type NatsConnection } from 'nats';
import { FerryError, copiesAllVersions, isActive, retryDelayMs, retryPolicyOf, type JobState } from '../../libs/domain/index.js';
import { JobEventStore, PipelinedPublisher, STREAMS, VersionLog, boundedFetch, consumers, decodeJson, ensureRunConsumer, recordBucketRegions, subjects, type ListTask } from '../../libs/nats/index.js';
import type { S3Endpoint } from '../../libs/s3/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { destinationEndpoint, sourceEndpoint, type SecretSealer } from '../../libs/secrets/index.js';
import type { AddressPolicy } from '../../libs/net/index.js';
import { listRun, type ListRunContext } from './listRun.js';
import { listVersionsRun } from './listVersionsRun.js';
import { EndpointListingError, endpointCause } from './endpointFailure.js';
import { listRetryRun } from './retryRun.js';
import { verifyRun } from './verifyRun.js';
import { HEARTBEAT_EVERY_MS, pagePacer } from './pagePacer.js';
import { DeletePhaseError, deleteHeartbeat, runDeletePhase } from './deletePhase.js';
import { handleReportTask } from './reportTask.js';
import { splitRun, type SplitSettings } from './splitRun.js';
import { endListingIfOwed } from './runListing.js';

// A dead lister's task comes back after this; heartbeats every 3 s keep a live one's lease well inside it.
const TASK_ACK_WAIT_MS = 10_000;
const PAUSED_RECHECK_MS = 2_000;
const TRANSIENT_RETRY_MS = 3_000;
const MAX_PARALLEL_LISTINGS = 4;

export interface ListerOptions {
  nc: NatsConnection;
  log: Logger;
  source: S3Endpoint;
  /** Opens sealed destination secrets, to list the destination for incremental runs. */
  sealer: SecretSealer;
  checkpointInterval: number;
  defaultConcurrency: number;
  /** Ack wait of the work consumers this lister creates (copiers heartbeat within it). */
  workAckWaitMs: number;
  /** Backpressure: listing waits while this many of the run's items are still undelivered. */
  maxWaitingItems: number;
  /** Which destination addresses a run may write to (checked after resolving the host, before listing). */
  destinationPolicy: AddressPolicy;
  /** Retry policy of jobs that set none (config's max_retries and retry_delay). */
  retryDefaults: { maxRetries: number; retryDelayMs: number };
  /** How a large run's key space is cut into ranges that any listers list at once (split_ranges, split_min_pages). */
  split: SplitSettings;
}


/**
 * Takes listing tasks (and completion report tasks, reportTask.ts) from a work-queue stream. A task stays leased to one lister
 * while it heartbeats; if the lister dies, JetStream hands the task to another
 * (or the restarted one), which resumes from the run's last checkpoint.
 */
export async function startLister({ nc, log, source, sealer, checkpointInterval, defaultConcurrency, workAckWaitMs, maxWaitingItems, destinationPolicy, retryDefaults, split }: ListerOptions): Promise<{ stop(): Promise<void> }> {
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const store = await JobEventStore.open(nc);
  await jsm.consumers.add(STREAMS.tasks, {
    durable_name: consumers.lister,
    filter_subject: subjects.allListTasks,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(TASK_ACK_WAIT_MS),
    max_ack_pending: 256,
    max_deliver: -1,
  });
  const consumer = await js.consumers.get(STREAMS.tasks, consumers.lister);
  const stopping = new AbortController();
  const publisher = new PipelinedPublisher(nc);
  const versions = await VersionLog.open(nc);

  const active = new Set<Promise<void>>();

  async function handle(msg: JsMsg): Promise<void> {
    const task = decodeJson<ListTask>(msg.data);
    if (task.kind === 'report') return handleReportTask({ nc, store, log, source, sealer, destinationPolicy, retryDefaults, signal: stopping.signal }, msg, task);
    const range = task.kind === 'range' ? task.range : undefined;
    const logCtx = { job_id: task.job_id, run: task.run, ...(range === undefined ? {} : { range }) };
    const { state } = await store.load(task.job_id);
    if (task.kind === 'delete') return handleDeleteTask(msg, task, state);
    const rangeListed = range !== undefined && state.listing.ranges?.[range]?.complete !== false;
    if (!state.exists || state.run !== task.run || !isActive(state.status) || state.listing.complete || rangeListed) {
      if (rangeListed) await endListingIfOwed(store, state, task.run);
      msg.ack();
      return;
    }
    if (state.status === 'paused') {
      msg.nak(PAUSED_RECHECK_MS);
      return;
    }
    const definition = state.definition!;
    const verifying = state.run_kind === 'verify';
    // A verify run queues no work: its keys are classified here (verifyRun.ts).
    if (!verifying) await ensureRunConsumer(jsm, task.job_id, task.run, definition.concurrency ?? defaultConcurrency, workAckWaitMs);
    const position = range === undefined ? state.listing : state.listing.ranges![range]!;
    const rows = state.listing.manifest_rows === undefined ? {} : { manifest_rows: state.listing.manifest_rows };
    log.info({ ...logCtx, start_after: position.start_after, listed_objects: position.listed_objects, ...rows }, 'listing started');
    const policy = retryPolicyOf(definition, retryDefaults);
    // A listing request may wait out the job's retry delays and the endpoint timeout: the lease must outlive them.
    const lease = setInterval(() => msg.working(), HEARTBEAT_EVERY_MS);
    let stopRecordingRegions = () => {};
    try {
      const jobSource = await sourceEndpoint(definition, source);
      const destination = await destinationEndpoint(definition, source, sealer, destinationPolicy);
      stopRecordingRegions = recordBucketRegions(store, log, task.job_id, task.run, [
        { side: 'source', endpoint: jobSource, bucket: definition.source_bucket },
        { side: 'destination', endpoint: destination, bucket: definition.destination_bucket },
      ]);
      const context: ListRunContext = {
        js,
        publisher,
        store,
        versions,
        source: jobSource,
        destination,
        checkpointInterval: definition.checkpoint_interval ?? checkpointInterval,
        retry: {
          attempts: policy.maxRetries + 1,
          delayMs: (retry) => retryDelayMs(policy, retry, Math.random()),
          onRetry: (attempt, err, waitMs) =>
            log.warn({ ...logCtx, attempt, retry_in_ms: Math.round(waitMs), error: endpointCause(err) }, 'listing request failed; retrying'),
        },
        signal: stopping.signal,
        heartbeat: pagePacer({ msg, task, store, jsm, log, maxWaitingItems, signal: stopping.signal, backlog: !verifying }),
      };
      if (range === undefined && !verifying) {
        const ranges = await splitRun(context, state, split);
        if (ranges > 0) {
          log.info({ ...logCtx, ranges }, 'listing split: ranges handed to listers');
          msg.ack();
          return;
        }
      }
      const outcome = verifying
        ? await verifyRun(context, state, definition.concurrency ?? defaultConcurrency)
        : state.retry_of !== undefined
          ? await listRetryRun(nc, context, state)
          : copiesAllVersions(definition)
            ? await listVersionsRun(context, state)
            : await listRun(context, state, range);
      if (outcome === 'complete') {
        log.info(logCtx, 'listing completed');
        msg.ack();
      } else {
        // Paused, cancelled or shutting down: hand the task back; a later delivery re-checks the state.
        log.info(logCtx, 'listing stopped');
        msg.nak(PAUSED_RECHECK_MS);
      }
    } catch (err) {
      await settleFailedListing(err, { msg, task, store, log, stopping: stopping.signal, maxRetries: policy.maxRetries, sourceBucket: definition.source_bucket });
    } finally {
      clearInterval(lease);
      stopRecordingRegions();
    }
  }

  /** A mirror run's delete phase (deletePhase.ts), on the same lease, pause and failure rules as a listing. */
  async function handleDeleteTask(msg: JsMsg, task: ListTask, state: JobState): Promise<void> {
    const logCtx = { job_id: task.job_id, run: task.run };
    if (!state.exists || state.run !== task.run || !isActive(state.status) || !state.listing.complete || state.deletion?.complete) {
      msg.ack();
      return;
    }
    if (state.status === 'paused') {
      msg.nak(PAUSED_RECHECK_MS);
      return;
    }
    const definition = state.definition!;
    const policy = retryPolicyOf(definition, retryDefaults);
    const lease = setInterval(() => msg.working(), HEARTBEAT_EVERY_MS);
    log.info({ ...logCtx, deleted_objects: state.deletion?.deleted_objects ?? 0 }, state.deletion ? 'delete phase resumed' : 'delete phase started: counting extraneous objects');
    try {
      const jobSource = await sourceEndpoint(definition, source);
      const destination = await destinationEndpoint(definition, source, sealer, destinationPolicy);
      const outcome = await runDeletePhase(
        {
          store,
          source: jobSource,
          destination,
          retry: {
            attempts: policy.maxRetries + 1,
            delayMs: (retry) => retryDelayMs(policy, retry, Math.random()),
            onRetry: (attempt, err, waitMs) => log.warn({ ...logCtx, attempt, retry_in_ms: Math.round(waitMs), error: endpointCause(err) }, 'delete phase request failed; retrying'),
          },
          signal: stopping.signal,
          heartbeat: deleteHeartbeat({ working: () => msg.working(), load: async () => (await store.load(task.job_id)).state, run: task.run, signal: stopping.signal, everyMs: 0 }),
        },
        state,
      );
      if (outcome === 'complete') {
        log.info(logCtx, 'delete phase completed');
        msg.ack();
      } else {
        log.info(logCtx, 'delete phase stopped between batches (paused, cancelled or shutting down); task handed back');
        msg.nak(PAUSED_RECHECK_MS);
      }
    } catch (err) {
      if (err instanceof DeletePhaseError && !stopping.signal.aborted) {
        log.warn({ ...logCtx, error: err.message }, 'delete phase stopped; failing the run');
        await store.execute(task.job_id, { type: 'FailRun', data: { job_id: task.job_id, run: task.run, error: err.message }, metadata: { now: new Date().toISOString() } });
        msg.ack();
        return;
      }
      await settleFailedListing(err, { msg, task, store, log, stopping: stopping.signal, maxRetries: policy.maxRetries, sourceBucket: definition.source_bucket });
    } finally {
      clearInterval(lease);
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      if (active.size >= MAX_PARALLEL_LISTINGS) {
        await Promise.race(active);
        continue;
      }
      try {
        const batch = await boundedFetch(consumer, { max_messages: MAX_PARALLEL_LISTINGS - active.size, expires: 1000 });
        for await (const msg of batch) {
          const work = handle(msg)
            .catch((err) => {
              log.error({ ...taskFields(msg), err: String(err) }, 'listing task failed');
              msg.nak(TRANSIENT_RETRY_MS);
            })
            .finally(() => active.delete(work));
          active.add(work);
        }
      } catch (err) {
        if (!stopping.signal.aborted) {
          log.warn({ err: String(err) }, 'fetching listing tasks failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
      await Promise.allSettled(active);
      publisher.close();
    },
  };
}

/**
 * A listing that threw: a deleted job's task is dropped; an endpoint that kept failing under the job's
 * retry policy, or a listing that cannot be trusted (keys out of S3 order), fails the run; anything else
 * (shutting down, NATS unavailable) hands the task back to be tried again.
 */
async function settleFailedListing(
  err: unknown,
  c: { msg: JsMsg; task: ListTask; store: JobEventStore; log: Logger; stopping: AbortSignal; maxRetries: number; sourceBucket: string },
): Promise<void> {
  const { msg, task, store, log } = c;
  const logCtx = { job_id: task.job_id, run: task.run };
  if (err instanceof FerryError && err.code === 'NOT_FOUND') {
    msg.ack(); // the job was deleted while it was listed
    return;
  }
  // Shutting down aborts requests: the task goes back to the queue, the run is not to blame.
  const endpointFailed = err instanceof EndpointListingError && !c.stopping.aborted;
  if (endpointFailed || err instanceof FerryError) {
    const error = endpointFailed ? err.runError(c.maxRetries) : `listing ${c.sourceBucket}: ${(err as Error).message}`;
    const fields = endpointFailed ? { side: err.side, endpoint: err.endpoint, bucket: err.bucket } : {};
    log.warn({ ...logCtx, ...fields, error }, 'listing failed; failing the run');
    await store.execute(task.job_id, { type: 'FailRun', data: { job_id: task.job_id, run: task.run, error }, metadata: { now: new Date().toISOString() } });
    msg.ack();
    return;
  }
  log.warn({ ...logCtx, err: String(err) }, 'listing interrupted; will retry');
  msg.nak(TRANSIENT_RETRY_MS);
}

/** job_id and run of a listing task, for log lines about a task that may not even decode. */
function taskFields(msg: JsMsg): { job_id?: string; run?: number } {
  try {
    const { job_id, run } = decodeJson<{ job_id?: string; run?: number }>(msg.data);
    return { job_id, run };
  } catch (err) {
    if (err instanceof SyntaxError) return {};
    throw err;
  }
}
