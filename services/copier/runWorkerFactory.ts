import type { JetStreamClient, JetStreamManager, KV as KeyValue, NatsConnection } from 'nats';
import { DEFAULT_PRIORITY, rateInForce, retryPolicyOf, type JobDefinition } from '../../libs/domain/index.js';
import { consumers, ensureRunConsumer, jobToken, recordBucketRegions, type JobCommandSink, type JobEventStore, type UploadLog, type VersionLog } from '../../libs/nats/index.js';
import type { CopyEngine, S3Endpoint } from '../../libs/s3/index.js';
import { destinationEndpoint, sourceEndpoint, type SecretSealer } from '../../libs/secrets/index.js';
import { destinationAddressPolicy } from '../../libs/net/index.js';
import type { FerryConfig } from '../../libs/config/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { errorTypeOf, type CopierMetrics } from '../../libs/observability/metrics.js';
import { DestinationBreaker } from './destinationBreaker.js';
import { RunWorker, type RunDefinition, type RunSettings } from './runWorker.js';
import { SharedRateLimit } from './sharedRateLimit.js';
import type { Slots } from './slots.js';

/** What every run worker of a copier process shares. */
export interface CopierContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Reads the job's log (its definition); a copier appends nothing to it. */
  store: JobEventStore;
  /** Where the copier's own commands (failing its run, a bucket's region) are decided: control (RemoteJobCommands). */
  commands: JobCommandSink;
  log: Logger;
  config: FerryConfig;
  source: S3Endpoint;
  sealer: SecretSealer;
  slots: Slots;
  engine: CopyEngine;
  rateLimits: KeyValue;
  metrics: CopierMetrics;
  /** Multipart uploads in progress (KV ferry_uploads), and this copier process's name in their records. */
  uploads: UploadLog;
  /** The versions `versions: all` jobs copied (KV ferry_versions). */
  versions: VersionLog;
  copierId: string;
}

/**
 * A RunWorker for one run of a job, from the job's definition in its log: its endpoints (its own
 * credentials, the destination address policy), its work consumer, retry policy, shared rate limit
 * and destination breaker. Undefined when the job has moved on to another run meanwhile, or the run is a verify run.
 */
export async function newRunWorker(c: CopierContext, jobId: string, run: number): Promise<RunWorker | undefined> {
  const { state } = await c.store.load(jobId);
  if (!state.definition || state.run !== run) return undefined;
  // A verify run has no work items: its lister compares both sides itself (ARCHITECTURE.md, "Verify runs").
  if (state.run_kind === 'verify') return undefined;
  const definition = state.definition as JobDefinition;
  const settingsOf = runSettingsOf(new SharedRateLimit(c.rateLimits, jobToken(jobId), 1), c.config.batch.defaultConcurrency);
  const consumerInfo = await ensureRunConsumer(c.jsm, jobId, run, settingsOf(definition, new Date()).concurrency, c.config.copier.ackWaitMs);
  const destination = await destinationEndpoint(definition, c.source, c.sealer, destinationAddressPolicy(c.config.destinations.allowLinkLocal));
  const jobSource = await sourceEndpoint(definition, c.source);
  const stopRecordingRegions = recordBucketRegions(c.commands, c.log, jobId, run, [
    { side: 'source', endpoint: jobSource, bucket: definition.source_bucket },
    { side: 'destination', endpoint: destination, bucket: definition.destination_bucket },
  ]);
  return new RunWorker({
    js: c.js,
    consumer: consumers.work(jobId, run),
    log: c.log,
    slots: c.slots,
    engine: c.engine,
    jobId,
    run,
    // Heartbeat well inside the consumer's ack wait, whoever created the consumer.
    heartbeatMs: Math.max(100, Math.floor((consumerInfo.config.ack_wait ?? c.config.copier.ackWaitMs * 1_000_000) / 1_000_000 / 3)),
    definition,
    settingsOf,
    retry: retryPolicyOf(definition, c.config.batch),
    ...(definition.verify ? { verify: definition.verify } : {}),
    source: jobSource,
    sourceBucket: definition.source_bucket,
    destination,
    destinationBucket: definition.destination_bucket,
    ...(definition.checksum_algorithm && definition.checksum_algorithm !== 'none' ? { checksumAlgorithm: definition.checksum_algorithm } : {}),
    onOutcome: (outcome) => {
      if (outcome.duration_ms !== undefined) c.metrics.copyFinished(outcome.duration_ms / 1000);
      if (outcome.result === 'failed') c.metrics.error(jobId, errorTypeOf(outcome.error));
    },
    breaker: new DestinationBreaker(),
    failRun: failRunOnBreaker(c, jobId, run, `destination bucket ${definition.destination_bucket} at ${destination.endpoint}`),
    onStopped: stopRecordingRegions,
    versions: c.versions,
    uploads: {
      log: c.uploads,
      copierId: c.copierId,
      onResumed: (kept) => c.metrics.multipartResumed(kept),
      onAborted: (reason) => c.metrics.uploadAborted(reason),
    },
    onRetry: (code) => {
      c.metrics.error(jobId, code);
      c.metrics.retry(jobId, code);
    },
  });
}

/**
 * A run's settings from the job's definition, as created or changed by UpdateJob. The rate limit is the
 * job's one KV entry that every copier takes from; without a limit no throttle is called at all.
 */
export function runSettingsOf(limit: SharedRateLimit, defaultConcurrency: number): (definition: RunDefinition, now: Date) => RunSettings {
  const throttle = (bytes: number, signal?: AbortSignal) => limit.take(bytes, signal);
  return (definition, now) => {
    const rate = rateInForce(definition, now) || undefined;
    if (rate) limit.setRate(rate);
    return {
      concurrency: definition.concurrency ?? defaultConcurrency,
      priority: definition.priority ?? DEFAULT_PRIORITY,
      ...(rate ? { throttle, rateBytesPerSecond: rate } : {}),
    };
  };
}

/** Fails the run once its destination refuses writes for good (both copiers tripping is harmless: the second decides to nothing). */
function failRunOnBreaker(c: CopierContext, jobId: string, run: number, destination: string): (reason: string) => Promise<boolean> {
  return async (reason) => {
    const error = `${reason}; ${destination}`;
    c.log.warn({ job_id: jobId, run, error }, 'destination refuses writes; failing the run');
    try {
      await c.commands.execute(jobId, { type: 'FailRun', data: { job_id: jobId, run, error }, metadata: { now: new Date().toISOString() } });
      return true;
    } catch (err) {
      c.log.warn({ job_id: jobId, run, err: String(err) }, 'failing the run did not go through; the breaker trips again on the next streak');
      return false;
    }
  };
}
