import type { NatsConnection } from 'nats';
import { retryPolicyOf, type JobDefinition, type JobView } from '../../libs/domain/index.js';
import { JobEventStore, KV, ReadModel, consumers, ensureRunConsumer, jobIdFromToken, jobToken, recordBucketRegions } from '../../libs/nats/index.js';
import { createCopyEngine, type S3Endpoint } from '../../libs/s3/index.js';
import { destinationEndpoint, sourceEndpoint, type SecretSealer } from '../../libs/secrets/index.js';
import { destinationAddressPolicy } from '../../libs/net/index.js';
import type { FerryConfig } from '../../libs/config/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { copierMetrics, errorTypeOf } from '../../libs/observability/metrics.js';
import { DestinationBreaker } from './destinationBreaker.js';
import { RunWorker } from './runWorker.js';
import { SharedRateLimit } from './sharedRateLimit.js';
import { Slots } from './slots.js';

export interface CopierOptions {
  nc: NatsConnection;
  log: Logger;
  config: FerryConfig;
  source: S3Endpoint;
  sealer: SecretSealer;
}

/**
 * Serves every running job: follows the read model, keeps one RunWorker per running
 * job run, pauses it when the job pauses, and drops it when the run ends. Any number
 * of copier processes may run; JetStream spreads the items among them.
 */
export async function startCopier({ nc, log, config, source, sealer }: CopierOptions): Promise<{ stop(): Promise<void> }> {
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const store = await JobEventStore.open(nc);
  const readModel = await ReadModel.open(nc);
  const rateLimits = await js.views.kv(KV.rateLimits);
  const slots = new Slots(config.copier.slots);
  const engine = createCopyEngine({ multipartThreshold: config.copier.multipartThreshold, partSize: config.copier.partSize });
  const workers = new Map<string, { run: number; worker: Promise<RunWorker | undefined> }>();
  let changes = Promise.resolve();
  const live = new Set<RunWorker>();
  const metrics = copierMetrics(() => [...live].reduce((sum, w) => sum + w.inFlightCount, 0));


  function rateLimited(jobId: string, bytesPerSecond: number | undefined): ((bytes: number) => Promise<void>) | undefined {
    if (!bytesPerSecond) return undefined;
    const limit = new SharedRateLimit(rateLimits, jobToken(jobId), bytesPerSecond);
    return (bytes) => limit.take(bytes);
  }

  /** Fails the run once its destination refuses writes for good (both copiers tripping is harmless: the second decides to nothing). */
  function failRunOnBreaker(jobId: string, run: number, destination: string) {
    return async (reason: string): Promise<boolean> => {
      const error = `${reason}; ${destination}`;
      log.warn({ job_id: jobId, run, error }, 'destination refuses writes; failing the run');
      try {
        await store.execute(jobId, { type: 'FailRun', data: { job_id: jobId, run, error }, metadata: { now: new Date().toISOString() } });
        return true;
      } catch (err) {
        log.warn({ job_id: jobId, run, err: String(err) }, 'failing the run did not go through; the breaker trips again on the next streak');
        return false;
      }
    };
  }

  async function createWorker(jobId: string, run: number): Promise<RunWorker | undefined> {
    const { state } = await store.load(jobId);
    if (!state.definition || state.run !== run) return undefined;
    const definition = state.definition as JobDefinition;
    const concurrency = definition.concurrency ?? config.batch.defaultConcurrency;
    const consumerInfo = await ensureRunConsumer(jsm, jobId, run, concurrency, config.copier.ackWaitMs);
    const retry = retryPolicyOf(definition, config.batch);
    const destination = await destinationEndpoint(definition, source, sealer, destinationAddressPolicy(config.destinations.allowLinkLocal));
    const jobSource = await sourceEndpoint(definition, source);
    const stopRecordingRegions = recordBucketRegions(store, log, jobId, run, [
      { side: 'source', endpoint: jobSource, bucket: definition.source_bucket },
      { side: 'destination', endpoint: destination, bucket: definition.destination_bucket },
    ]);
    const worker = new RunWorker({
      js,
      nc,
      consumer: consumers.work(jobId, run),
      log,
      slots,
      engine,
      jobId,
      run,
      priority: definition.priority ?? 100,
      // Heartbeat well inside the consumer's ack wait, whoever created the consumer.
      heartbeatMs: Math.max(100, Math.floor((consumerInfo.config.ack_wait ?? config.copier.ackWaitMs * 1_000_000) / 1_000_000 / 3)),
      concurrency,
      retry,
      source: jobSource,
      sourceBucket: definition.source_bucket,
      destination,
      destinationBucket: definition.destination_bucket,
      throttle: rateLimited(jobId, definition.rate_limit_bytes_per_sec),
      rateBytesPerSecond: definition.rate_limit_bytes_per_sec,
      onOutcome: (outcome) => {
        if (outcome.duration_ms !== undefined) metrics.copyFinished(outcome.duration_ms / 1000);
        if (outcome.result === 'failed') metrics.error(jobId, errorTypeOf(outcome.error));
      },
      breaker: new DestinationBreaker(),
      failRun: failRunOnBreaker(jobId, run, `destination bucket ${definition.destination_bucket} at ${destination.endpoint}`),
      onStopped: stopRecordingRegions,
      onRetry: (code) => {
        metrics.error(jobId, code);
        metrics.retry(jobId, code);
      },
    });
    live.add(worker);
    log.info({ job_id: jobId, run }, 'copier serving run');
    return worker;
  }

  async function onChange(token: string, view: JobView | undefined): Promise<void> {
    const jobId = view?.job_id ?? jobIdFromToken(token);
    const current = workers.get(jobId);
    const wanted = view && (view.status === 'running' || view.status === 'paused') ? view.run : undefined;
    if (current && current.run !== wanted) {
      workers.delete(jobId);
      const worker = await current.worker;
      await worker?.stop();
      if (worker) live.delete(worker);
      log.info({ job_id: jobId, run: current.run }, 'copier released run');
    }
    // After the run's worker stopped, so no late outcome labels the deleted job again.
    if (!view) await metrics.forgetJob(jobId);
    if (wanted === undefined || !view) return;
    let entry = workers.get(jobId);
    if (!entry) {
      entry = { run: wanted, worker: createWorker(jobId, wanted).catch((err) => {
        log.error({ job_id: jobId, run: wanted, err: String(err) }, 'cannot serve run');
        workers.delete(jobId);
        return undefined;
      }) };
      workers.set(jobId, entry);
    }
    const worker = await entry.worker;
    if (view.status === 'running') worker?.resume();
    else await worker?.pause();
  }

  const watcher = await readModel.watch((token, view) => {
    changes = changes.then(() => onChange(token, view)).catch((err) => log.error({ job_id: view?.job_id, run: view?.run, err: String(err) }, 'copier state change failed'));
  });

  return {
    async stop() {
      watcher.stop();
      await changes;
      await Promise.allSettled([...workers.values()].map(async ({ worker }) => (await worker)?.stop()));
      engine.close();
    },
  };
}
