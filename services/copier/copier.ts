import { nanoid } from 'nanoid';
import type { NatsConnection } from 'nats';
import type { JobView } from '../../libs/domain/index.js';
import { JobEventStore, KV, ReadModel, RemoteJobCommands, UploadLog, VersionLog, jobIdFromToken, setRunConcurrency } from '../../libs/nats/index.js';
import { createCopyEngine, type S3Endpoint } from '../../libs/s3/index.js';
import type { SecretSealer } from '../../libs/secrets/index.js';
import type { FerryConfig } from '../../libs/config/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { copierMetrics } from '../../libs/observability/metrics.js';
import type { RunWorker } from './runWorker.js';
import { newRunWorker, type CopierContext } from './runWorkerFactory.js';
import { Slots } from './slots.js';
import { abortRunUploads, sweepStaleUploads, type UploadSweepContext } from './uploadSweep.js';

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
  const workers = new Map<string, { run: number; worker: Promise<RunWorker | undefined> }>();
  let changes = Promise.resolve();
  const live = new Set<RunWorker>();
  const metrics = copierMetrics(() => [...live].reduce((sum, w) => sum + w.inFlightCount, 0));
  const engine = createCopyEngine({
    multipartThreshold: config.copier.multipartThreshold,
    partSize: config.copier.partSize,
    partConcurrency: config.copier.partsInFlight,
    onCleanupFailed: (action, req, err) => {
      metrics.cleanupFailed(action);
      log.debug({ action, bucket: req.destinationBucket, key: req.key, error_type: err.code }, 'undoing what a failed copy left failed');
    },
  });

  const uploads = await UploadLog.open(nc);
  const versions = await VersionLog.open(nc);
  const copierId = nanoid(10);
  const context: CopierContext = {
    nc, js, jsm, store, commands: new RemoteJobCommands(nc), log, config, source, sealer, slots, engine, rateLimits, metrics, uploads, versions, copierId,
  };
  const sweep: UploadSweepContext = { uploads, engine, log, onAborted: (reason) => metrics.uploadAborted(reason) };

  async function createWorker(jobId: string, run: number): Promise<RunWorker | undefined> {
    const worker = await newRunWorker(context, jobId, run);
    if (!worker) return undefined;
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
      // Its copies aborted their own uploads; these are what copiers that died mid-object left (every copier that served the run looks).
      // In the background: a destination that does not answer must not hold up other jobs' changes.
      if (worker) {
        const { endpoint } = worker.destination;
        void abortRunUploads(sweep, jobId, current.run, endpoint).catch((err: unknown) =>
          log.warn({ job_id: jobId, run: current.run, err: String(err) }, "aborting the run's recorded uploads failed; the start-up sweep of a copier tries again"),
        );
      }
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
    const before = worker?.currentSettings.concurrency;
    if (worker?.followDefinition(view)) {
      const { concurrency, priority, rateBytesPerSecond } = worker.currentSettings;
      // The consumer's max_ack_pending caps the run's copies across all copiers; control sets it at the update too.
      if (concurrency !== before) await setRunConcurrency(jsm, jobId, wanted, concurrency);
      log.info({ job_id: jobId, run: wanted, concurrency, priority, rate_limit_bytes_per_sec: rateBytesPerSecond ?? 0 }, 'copier follows changed run settings');
    }
    if (view.status === 'running') worker?.resume();
    else await worker?.pause();
  }

  // In the background: a destination that does not answer must not hold up serving runs.
  void sweepStaleUploads({
    ...sweep,
    readModel,
    store,
    source,
    sealer,
    allowLinkLocal: config.destinations.allowLinkLocal,
    staleUploadAgeMs: config.copier.staleUploadAgeMs,
  }).then(
    (aborted) => log.info({ aborted, stale_upload_age_ms: config.copier.staleUploadAgeMs }, 'swept recorded multipart uploads'),
    (err: unknown) => log.warn({ err: String(err) }, 'sweeping recorded multipart uploads failed'),
  );

  const watcher = await readModel.watch((token, view) => {
    changes = changes.then(() => onChange(token, view)).catch((err) => log.error({ job_id: view?.job_id, run: view?.run, err: String(err) }, 'copier state change failed'));
  });

  return {
    async stop() {
      watcher.stop();
      await changes;
      // Shutting down, not ending runs: copies cut short keep their uploads, and whoever copies their items next resumes them.
      await Promise.allSettled([...workers.values()].map(async ({ worker }) => (await worker)?.stop(true)));
      engine.close();
    },
  };
}
